/**
 * Table-driven binary codec (portable subset: runs on Node, ES5 engines and Lua). One encoder,
 * one decoder, one error path; both walk a FieldTable (wire/fields.ts).
 *
 * Decoding is strict so that decode(bytes) succeeds only when encode(decode(bytes)) == bytes:
 * canonical varints, bools 0/1, enum indices in range, ASCII strings, lengths within `max`,
 * no unknown presence bits, no trailing bytes (checked by the message layer).
 */
import { protocolError } from "../errors";
import { type ByteReader, type ByteWriter, MAX_F32, MAX_SVARINT, MAX_VARINT } from "./bytes";
import { type FieldSpec, type FieldTable, maxOf } from "./fields";

type Obj = { [k: string]: unknown };

function isInt(v: unknown): v is number {
  return typeof v === "number" && Math.floor(v) === v && v - v === 0;
}

function invalid(what: string, path: string): Error {
  return protocolError("invalid", what, path, -1);
}

function isPresent(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function checkUint(v: unknown, max: number, path: string): number {
  if (!isInt(v) || v < 0 || v > max) throw invalid(`expected an integer 0..${max}`, path);
  return v;
}

function checkLength(n: number, f: FieldSpec, path: string): void {
  const max = maxOf(f);
  if (n > max) throw invalid(`length ${n} exceeds max ${max}`, path);
}

function encodeValue(f: FieldSpec, v: unknown, w: ByteWriter, path: string): void {
  const t = f.type;
  if (t === "u8") w.byte(checkUint(v, 255, path));
  else if (t === "u16") w.u16(checkUint(v, 65535, path));
  else if (t === "u32") w.u32(checkUint(v, 4294967295, path));
  else if (t === "varint") w.varint(checkUint(v, MAX_VARINT, path));
  else if (t === "svarint") {
    if (!isInt(v) || v > MAX_SVARINT || v < -MAX_SVARINT) {
      throw invalid("expected an integer within ±2^52", path);
    }
    w.svarint(v);
  } else if (t === "f32") {
    if (typeof v !== "number" || v - v !== 0 || v > MAX_F32 || v < -MAX_F32) {
      throw invalid("expected a finite number within f32 range", path);
    }
    w.f32(v);
  } else if (t === "bool") {
    if (v !== true && v !== false) throw invalid("expected a boolean", path);
    w.byte(v ? 1 : 0);
  } else if (t === "enum") {
    const values = f.values as readonly string[];
    let idx = -1;
    for (let i = 0; i < values.length; i++) if (values[i] === v) idx = i;
    if (idx < 0) throw invalid(`expected one of ${values.join(", ")}`, path);
    w.byte(idx);
  } else if (t === "str") {
    if (typeof v !== "string") throw invalid("expected a string", path);
    checkLength(v.length, f, path);
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c < 32 || c > 126) throw invalid(`non-printable-ASCII char at index ${i}`, path);
    }
    w.varint(v.length);
    for (let i = 0; i < v.length; i++) w.byte(v.charCodeAt(i));
  } else if (t === "bytes" || t === "i8s" || t === "varints") {
    if (!Array.isArray(v)) throw invalid("expected an array of numbers", path);
    const a = v as unknown[];
    checkLength(a.length, f, path);
    w.varint(a.length);
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      const at = `${path}[${i}]`;
      if (t === "bytes") w.byte(checkUint(x, 255, at));
      else if (t === "varints") w.varint(checkUint(x, MAX_VARINT, at));
      else {
        if (!isInt(x) || x < -128 || x > 127) throw invalid("expected an int8", at);
        w.byte(x < 0 ? x + 256 : x);
      }
    }
  } else if (t === "list") {
    if (!Array.isArray(v)) throw invalid("expected an array of records", path);
    const a = v as unknown[];
    checkLength(a.length, f, path);
    w.varint(a.length);
    for (let i = 0; i < a.length; i++) {
      encodeFields(f.of as FieldTable, a[i], w, `${path}[${i}]`);
    }
  } else {
    throw invalid(`unknown wire type ${t}`, path);
  }
}

/** Encode one record: presence bitmap, then each present field in table order. */
export function encodeFields(table: FieldTable, msg: unknown, w: ByteWriter, path: string): void {
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
    throw invalid("expected an object", path);
  }
  const o = msg as Obj;
  let presence = 0;
  let bit = 1;
  for (let i = 0; i < table.length; i++) {
    const f = table[i];
    if (f.optional) {
      if (isPresent(o[f.name])) presence += bit;
      bit *= 2;
    }
  }
  w.varint(presence);
  for (let i = 0; i < table.length; i++) {
    const f = table[i];
    const v = o[f.name];
    const p = path === "" ? f.name : `${path}.${f.name}`;
    if (!isPresent(v)) {
      if (!f.optional) throw invalid("required field missing", p);
      continue;
    }
    encodeValue(f, v, w, p);
  }
}

function readLength(f: FieldSpec, r: ByteReader, path: string): number {
  const at = r.pos;
  const n = r.varint(path);
  const max = maxOf(f);
  if (n > max) throw protocolError("length", `length ${n} exceeds max ${max}`, path, at);
  return n;
}

function decodeValue(f: FieldSpec, r: ByteReader, path: string): unknown {
  const t = f.type;
  const at = r.pos;
  if (t === "u8") return r.byte(path);
  if (t === "u16") return r.u16(path);
  if (t === "u32") return r.u32(path);
  if (t === "varint") return r.varint(path);
  if (t === "svarint") return r.svarint(path);
  if (t === "f32") return r.f32(path);
  if (t === "bool") {
    const b = r.byte(path);
    if (b > 1) throw protocolError("range", `bool byte is ${b}, want 0 or 1`, path, at);
    return b === 1;
  }
  if (t === "enum") {
    const values = f.values as readonly string[];
    const b = r.byte(path);
    if (b >= values.length) {
      throw protocolError("range", `enum index ${b} >= ${values.length}`, path, at);
    }
    return values[b];
  }
  if (t === "str") {
    const n = readLength(f, r, path);
    if (r.remaining() < n) throw protocolError("truncated", "payload ends early", path, r.pos);
    let s = "";
    for (let i = 0; i < n; i++) {
      const c = r.byte(path);
      if (c < 32 || c > 126) {
        throw protocolError("range", "non-printable-ASCII byte in string", path, r.pos - 1);
      }
      s += String.fromCharCode(c);
    }
    return s;
  }
  if (t === "bytes" || t === "i8s" || t === "varints") {
    const n = readLength(f, r, path);
    // Each element takes at least one byte: refuse before allocating for a lying length.
    if (r.remaining() < n) throw protocolError("truncated", "payload ends early", path, r.pos);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      if (t === "varints") out.push(r.varint(path));
      else {
        const b = r.byte(path);
        out.push(t === "i8s" && b > 127 ? b - 256 : b);
      }
    }
    return out;
  }
  if (t === "list") {
    const n = readLength(f, r, path);
    if (r.remaining() < n) throw protocolError("truncated", "payload ends early", path, r.pos);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(decodeFields(f.of as FieldTable, r, `${path}[${i}]`));
    return out;
  }
  throw protocolError("invalid", `unknown wire type ${t}`, path, at);
}

/** Decode one record written by encodeFields. */
export function decodeFields(table: FieldTable, r: ByteReader, path: string): Obj {
  const at = r.pos;
  const presence = r.varint(path === "" ? "presence" : `${path}.presence`);
  let optionals = 0;
  for (let i = 0; i < table.length; i++) if (table[i].optional) optionals++;
  let limit = 1;
  for (let i = 0; i < optionals; i++) limit *= 2;
  if (presence >= limit) {
    throw protocolError("presence", "presence bitmap names unknown optional fields", path, at);
  }
  const out: Obj = {};
  let bits = presence;
  for (let i = 0; i < table.length; i++) {
    const f = table[i];
    const p = path === "" ? f.name : `${path}.${f.name}`;
    if (f.optional) {
      const present = bits % 2 === 1;
      bits = Math.floor(bits / 2);
      if (!present) continue;
    }
    out[f.name] = decodeValue(f, r, p);
  }
  return out;
}
