/**
 * Host-side JSON schemas, generated from the same field tables as the binary codec, so the JSON
 * API and the wire agree by construction. `parseJson` validates untrusted JSON (API bodies, CLI
 * files) and throws a ProtocolError naming the first bad field.
 */
import { z } from "zod";
import { encodeMessage } from "./codec";
import { protocolError } from "./errors";
import { MESSAGES, type MessageKind, type MessageTypes } from "./messages";
import { MAX_F32, MAX_SVARINT, MAX_VARINT } from "./wire/bytes";
import { type FieldSpec, type FieldTable, maxOf } from "./wire/fields";

const uint = (max: number) => z.number().int().min(0).max(max);
const ascii = /^[\x20-\x7e]*$/;

function fieldSchema(f: FieldSpec): z.ZodType {
  switch (f.type) {
    case "u8":
      return uint(255);
    case "u16":
      return uint(65535);
    case "u32":
      return uint(4294967295);
    case "varint":
      return uint(MAX_VARINT);
    case "svarint":
      return z.number().int().min(-MAX_SVARINT).max(MAX_SVARINT);
    case "f32":
      return z.number().min(-MAX_F32).max(MAX_F32);
    case "bool":
      return z.boolean();
    case "enum":
      return z.enum(f.values as [string, ...string[]]);
    case "str":
      return z.string().max(maxOf(f)).regex(ascii, "printable ASCII only");
    case "bytes":
      return z.array(uint(255)).max(maxOf(f));
    case "i8s":
      return z.array(z.number().int().min(-128).max(127)).max(maxOf(f));
    case "varints":
      return z.array(uint(MAX_VARINT)).max(maxOf(f));
    case "list":
      return z.array(tableSchema(f.of as FieldTable)).max(maxOf(f));
  }
}

export function tableSchema(table: FieldTable): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const f of table) {
    const s = fieldSchema(f);
    shape[f.name] = f.optional ? s.optional() : s;
  }
  return z.strictObject(shape);
}

const cache = new Map<MessageKind, z.ZodObject>();

/** The zod schema of a message kind (strict: unknown keys are rejected). */
export function messageSchema(kind: MessageKind): z.ZodObject {
  let s = cache.get(kind);
  if (!s) {
    s = tableSchema(MESSAGES[kind].fields);
    cache.set(kind, s);
  }
  return s;
}

/** JSON Schema (draft 2020-12) of a message kind, for API docs. */
export function jsonSchemaOf(kind: MessageKind): unknown {
  return z.toJSONSchema(messageSchema(kind));
}

/** Validate untrusted JSON as a `kind` message; cross-field rules are checked by the codec. */
export function parseJson<K extends MessageKind>(kind: K, value: unknown): MessageTypes[K] {
  const r = messageSchema(kind).safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue.path.map(String).join(".");
    throw protocolError("json", `invalid ${kind} JSON: ${issue.message}`, field, -1);
  }
  const msg = r.data as MessageTypes[K];
  encodeMessage(kind, msg); // cross-field rules (feature shape, manifest sizes, ...)
  return msg;
}
