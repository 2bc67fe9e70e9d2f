/**
 * Field tables: one definition per message, from which the binary codec (wire/codec.ts), the
 * host JSON schema (json.ts) and the TypeScript types (`MessageOf`) are all derived.
 *
 * Wire types (all multi-byte integers little-endian; varint = unsigned LEB128):
 *   u8, u16, u32      fixed-width unsigned
 *   varint            unsigned LEB128, 0 .. 2^53-1 (timestamps in ms, counters, sequence numbers)
 *   svarint           zig-zag LEB128, |v| <= 2^52 (RSSI in dBm, signed deltas)
 *   f32               IEEE-754 binary32 (scores, thresholds); values are rounded to f32
 *   bool              one byte, 0 or 1 (anything else is an error)
 *   enum              one byte, index into `values`; the value in TS/JSON is the string
 *   str               varint length + ASCII bytes 0x20..0x7e, at most `max` (default 64) chars
 *   bytes             varint length + raw bytes 0..255, at most `max` (default 4096)
 *   i8s               varint length + int8 values as two's complement bytes, at most `max`
 *   varints           varint count + that many varints, at most `max` (default 64)
 *   list              varint count + that many records of the `of` table, at most `max` (default 16)
 *
 * Optional fields are announced by a presence bitmap (a varint, bit i = i-th optional field of
 * the table, in table order) written before the first field; absent fields take no bytes.
 */

export type WireType =
  | "u8"
  | "u16"
  | "u32"
  | "varint"
  | "svarint"
  | "f32"
  | "bool"
  | "enum"
  | "str"
  | "bytes"
  | "i8s"
  | "varints"
  | "list";

export interface FieldSpec {
  readonly name: string;
  readonly type: WireType;
  readonly optional?: boolean;
  /** Max length (str/bytes/i8s) or count (varints/list). */
  readonly max?: number;
  /** enum: the allowed values, encoded as their index. */
  readonly values?: readonly string[];
  /** list: the record table. */
  readonly of?: readonly FieldSpec[];
  /** One line for docs and error messages. */
  readonly doc?: string;
}

export type FieldTable = readonly FieldSpec[];

export const DEFAULT_MAX: { [k: string]: number } = {
  str: 64,
  bytes: 4096,
  i8s: 4096,
  varints: 64,
  list: 16,
};

export function maxOf(f: FieldSpec): number {
  return f.max !== undefined ? f.max : DEFAULT_MAX[f.type];
}

// ---- type-level derivation: MessageOf<typeof table> is the decoded object type ----

type ValueOf<F extends FieldSpec> = F["type"] extends "bool"
  ? boolean
  : F["type"] extends "str"
    ? string
    : F["type"] extends "enum"
      ? F["values"] extends readonly (infer V)[]
        ? V
        : string
      : F["type"] extends "bytes" | "i8s" | "varints"
        ? number[]
        : F["type"] extends "list"
          ? F["of"] extends FieldTable
            ? MessageOf<F["of"]>[]
            : never
          : number;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

export type MessageOf<T extends FieldTable> = Simplify<
  {
    [F in T[number] as F extends { optional: true } ? never : F["name"]]: ValueOf<F>;
  } & {
    [F in T[number] as F extends { optional: true } ? F["name"] : never]?: ValueOf<F>;
  }
>;
