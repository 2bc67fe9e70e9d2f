/**
 * Byte-level primitives of the wire format, in the portable subset: plain number[] bytes, no
 * typed arrays, no bitwise operators (Lua/JS differ there), integers kept below 2^53.
 *
 * Readers accept anything indexable with .length (a number[] on devices, a Uint8Array on the
 * host) and never read past the end: every read checks bounds and throws a ProtocolError naming
 * the field and the offset.
 */
import { protocolError } from "../errors";

export const MAX_VARINT = 9007199254740991; // 2^53 - 1
export const MAX_SVARINT = 4503599627370496; // 2^52
const TWO_23 = 8388608;
const TWO_31 = 2147483648;
const TWO_32 = 4294967296;

export class ByteReader {
  pos = 0;
  constructor(readonly bytes: number[]) {}

  remaining(): number {
    return this.bytes.length - this.pos;
  }

  byte(field: string): number {
    if (this.pos >= this.bytes.length) {
      throw protocolError("truncated", "payload ends early", field, this.pos);
    }
    const b = this.bytes[this.pos];
    this.pos++;
    return b;
  }

  u16(field: string): number {
    const b0 = this.byte(field);
    return b0 + this.byte(field) * 256;
  }

  u32(field: string): number {
    const b0 = this.byte(field);
    const b1 = this.byte(field);
    const b2 = this.byte(field);
    return b0 + b1 * 256 + b2 * 65536 + this.byte(field) * 16777216;
  }

  /** Unsigned LEB128, canonical (no trailing zero groups), at most 2^53-1. */
  varint(field: string): number {
    const start = this.pos;
    let value = 0;
    let mult = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte(field);
      const low = b % 128;
      value += low * mult;
      if (b < 128) {
        if (b === 0 && i > 0) throw protocolError("varint", "non-canonical varint", field, start);
        if (value > MAX_VARINT) throw protocolError("range", "varint above 2^53-1", field, start);
        return value;
      }
      mult *= 128;
    }
    throw protocolError("varint", "varint longer than 8 bytes", field, start);
  }

  svarint(field: string): number {
    const start = this.pos;
    const z = this.varint(field);
    if (z > MAX_SVARINT * 2) throw protocolError("range", "svarint out of range", field, start);
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  f32(field: string): number {
    const start = this.pos;
    const bits = this.u32(field);
    return f32FromBits(bits, field, start);
  }
}

export class ByteWriter {
  readonly out: number[] = [];

  byte(b: number): void {
    this.out.push(b);
  }

  u16(v: number): void {
    this.out.push(v % 256);
    this.out.push(Math.floor(v / 256));
  }

  u32(v: number): void {
    let x = v;
    for (let i = 0; i < 4; i++) {
      this.out.push(x % 256);
      x = Math.floor(x / 256);
    }
  }

  varint(v: number): void {
    let x = v;
    while (x >= 128) {
      this.out.push((x % 128) + 128);
      x = Math.floor(x / 128);
    }
    this.out.push(x);
  }

  svarint(v: number): void {
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  f32(v: number): void {
    this.u32(f32Bits(v));
  }
}

/**
 * 2^e, exactly, for |e| <= 1074. Built from halvings so it is a float on every engine: Lua 5.3
 * integers would wrap past 2^63 if this doubled an integer 1.
 */
function pow2(e: number): number {
  let half = 1;
  const n = e < 0 ? -e : e;
  for (let i = 0; i < n; i++) half *= 0.5;
  return e < 0 ? half : 1 / half;
}

/** Round half to even: the rounding IEEE-754 uses, so the result equals Math.fround. */
function roundEven(x: number): number {
  const r = Math.floor(x);
  const d = x - r;
  if (d > 0.5 || (d === 0.5 && r % 2 === 1)) return r + 1;
  return r;
}

/** Largest finite binary32. */
export const MAX_F32 = 3.4028234663852886e38;

/** IEEE-754 binary32 bit pattern of a finite number (rounded to nearest even). */
export function f32Bits(v: number): number {
  if (v === 0) return 1 / v < 0 ? TWO_31 : 0; // keep -0 so decode -> encode is the identity
  const sign = v < 0 ? TWO_31 : 0;
  const a = v < 0 ? -v : v;
  let m = a;
  let e = 0;
  while (m >= 2) {
    m /= 2;
    e++;
  }
  while (m < 1) {
    m *= 2;
    e--;
  }
  let biased = e + 127;
  if (biased <= 0) {
    // Subnormal: the value in units of 2^-149; a carry into 2^23 yields the smallest normal.
    return sign + roundEven(a * pow2(149));
  }
  let mant = roundEven((m - 1) * TWO_23);
  if (mant === TWO_23) {
    mant = 0;
    biased++;
  }
  if (biased >= 255) return sign + 255 * TWO_23; // overflow: callers reject |v| > MAX_F32 first
  return sign + biased * TWO_23 + mant;
}

export function f32FromBits(bits: number, field: string, offset: number): number {
  const negative = bits >= TWO_31;
  const rest = negative ? bits - TWO_31 : bits;
  const exp = Math.floor(rest / TWO_23);
  const mant = rest % TWO_23;
  if (exp === 255) throw protocolError("range", "f32 is NaN or infinite", field, offset);
  const mag = exp === 0 ? mant * pow2(-149) : (1 + mant / TWO_23) * pow2(exp - 127);
  return negative ? -mag : mag;
}

/** The value a number takes after an f32 round trip (Math.fround without Math.fround). */
export function toF32(v: number): number {
  return f32FromBits(f32Bits(v), "", -1);
}

export const U32_LIMIT = TWO_32;
