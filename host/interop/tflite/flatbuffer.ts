/**
 * A bounds-checked flatbuffer reader: tables, vtables, scalars, strings and vectors, every
 * offset checked against the buffer before it is followed, so a malformed file ends in one
 * TfliteError naming what was out of range (never a RangeError or an endless walk).
 * Layout (flatbuffers' binary format): a table starts with an int32 soffset back to its vtable;
 * the vtable holds u16 vtable size, u16 table size, then one u16 offset per field (0 = absent).
 * Reference fields hold a u32 offset relative to the field; vectors and strings start with a
 * u32 length.
 */
import { TfliteError } from "./errors";

export class FlatBuffer {
  readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(what: string, at: number): never {
    throw new TfliteError(`malformed flatbuffer: ${what} at byte ${at}`, "tflite-malformed");
  }

  need(at: number, size: number, what: string): void {
    if (!(at >= 0 && at + size <= this.bytes.length)) this.fail(`${what} out of range`, at);
  }

  u8(at: number): number {
    this.need(at, 1, "u8");
    return this.view.getUint8(at);
  }
  i8(at: number): number {
    this.need(at, 1, "i8");
    return this.view.getInt8(at);
  }
  u16(at: number): number {
    this.need(at, 2, "u16");
    return this.view.getUint16(at, true);
  }
  i32(at: number): number {
    this.need(at, 4, "i32");
    return this.view.getInt32(at, true);
  }
  u32(at: number): number {
    this.need(at, 4, "u32");
    return this.view.getUint32(at, true);
  }
  f32(at: number): number {
    this.need(at, 4, "f32");
    return this.view.getFloat32(at, true);
  }
  i64(at: number): number {
    this.need(at, 8, "i64");
    const v = this.view.getBigInt64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(-Number.MAX_SAFE_INTEGER))
      this.fail("64-bit value beyond 2^53", at);
    return Number(v);
  }

  /** The root table (u32 offset at byte 0). */
  root(): Table {
    return this.table(this.u32(0), 0, "root table");
  }

  /** The table at absolute position `pos`, after checking its vtable. */
  table(pos: number, from: number, what: string): Table {
    this.need(pos, 4, what);
    const vt = pos - this.i32(pos);
    this.need(vt, 4, `${what} vtable`);
    const vtSize = this.u16(vt);
    const tSize = this.u16(vt + 2);
    if (vtSize < 4 || vtSize % 2 !== 0) this.fail(`${what} vtable size ${vtSize}`, vt);
    this.need(vt, vtSize, `${what} vtable`);
    this.need(pos, Math.max(tSize, 4), `${what} (from byte ${from})`);
    return new Table(this, pos, vt, vtSize, tSize, what);
  }
}

export class Table {
  constructor(
    readonly fb: FlatBuffer,
    readonly pos: number,
    private readonly vt: number,
    private readonly vtSize: number,
    private readonly tSize: number,
    readonly what: string,
  ) {}

  /** Absolute position of field `i`, or -1 when absent; checks `size` bytes fit the table. */
  field(i: number, size: number): number {
    const slot = 4 + 2 * i;
    if (slot + 2 > this.vtSize) return -1;
    const off = this.fb.u16(this.vt + slot);
    if (off === 0) return -1;
    if (off + size > this.tSize)
      this.fb.fail(`${this.what} field ${i} outside its table`, this.pos);
    return this.pos + off;
  }

  u8(i: number, dflt: number): number {
    const at = this.field(i, 1);
    return at < 0 ? dflt : this.fb.u8(at);
  }
  i8(i: number, dflt: number): number {
    const at = this.field(i, 1);
    return at < 0 ? dflt : this.fb.i8(at);
  }
  i32(i: number, dflt: number): number {
    const at = this.field(i, 4);
    return at < 0 ? dflt : this.fb.i32(at);
  }
  u32(i: number, dflt: number): number {
    const at = this.field(i, 4);
    return at < 0 ? dflt : this.fb.u32(at);
  }
  f32(i: number, dflt: number): number {
    const at = this.field(i, 4);
    return at < 0 ? dflt : this.fb.f32(at);
  }

  /** Target of a reference field, or -1 when absent. */
  private ref(i: number): number {
    const at = this.field(i, 4);
    if (at < 0) return -1;
    const target = at + this.fb.u32(at);
    this.fb.need(target, 4, `${this.what} field ${i} target`);
    return target;
  }

  table(i: number, what: string): Table | null {
    const at = this.ref(i);
    return at < 0 ? null : this.fb.table(at, this.pos, what);
  }

  /** A vector's element start and length (checked against the buffer for `elemSize`). */
  vector(i: number, elemSize: number): { start: number; length: number } | null {
    const at = this.ref(i);
    if (at < 0) return null;
    const length = this.fb.u32(at);
    this.fb.need(at + 4, length * elemSize, `${this.what} field ${i} vector of ${length}`);
    return { start: at + 4, length };
  }

  string(i: number): string | null {
    const v = this.vector(i, 1);
    if (v === null) return null;
    return new TextDecoder().decode(this.fb.bytes.subarray(v.start, v.start + v.length));
  }

  i32s(i: number): number[] | null {
    const v = this.vector(i, 4);
    if (v === null) return null;
    const out: number[] = [];
    for (let k = 0; k < v.length; k++) out.push(this.fb.i32(v.start + 4 * k));
    return out;
  }
  f32s(i: number): number[] | null {
    const v = this.vector(i, 4);
    if (v === null) return null;
    const out: number[] = [];
    for (let k = 0; k < v.length; k++) out.push(this.fb.f32(v.start + 4 * k));
    return out;
  }
  i64s(i: number): number[] | null {
    const v = this.vector(i, 8);
    if (v === null) return null;
    const out: number[] = [];
    for (let k = 0; k < v.length; k++) out.push(this.fb.i64(v.start + 8 * k));
    return out;
  }
  bytes(i: number): Uint8Array | null {
    const v = this.vector(i, 1);
    return v === null ? null : this.fb.bytes.subarray(v.start, v.start + v.length);
  }

  /** A vector of tables. */
  tables(i: number, what: string): Table[] {
    const v = this.vector(i, 4);
    if (v === null) return [];
    const out: Table[] = [];
    for (let k = 0; k < v.length; k++) {
      const at = v.start + 4 * k;
      out.push(this.fb.table(at + this.fb.u32(at), at, `${what} ${k}`));
    }
    return out;
  }
}
