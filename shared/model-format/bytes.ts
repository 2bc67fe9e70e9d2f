/**
 * Little-endian byte reading and writing in the portable subset (number[] of 0..255), including
 * IEEE-754 float64 without typed arrays or DataView: every step is a multiplication by 2 or 1/2
 * or an integer operation below 2^53, so the bits are exact on every engine.
 */
import { exponentOf, pow2 } from "../portable/detmath";
import { ModelFormatError } from "./errors";

const TWO32 = 4294967296;
const TWO52 = 4503599627370496;

// POS[j] = 2^(2^j) (j = 0..9), NEG[j] = 2^-(2^j) (j = 0..10), built by exact squaring.
// 4 / 2, not 2: Lua's `/` yields a float, so the squarings stay floats and never wrap as
// 64-bit integers would past 2^63.
const POS: number[] = [4 / 2];
const NEG: number[] = [0.5];
for (let j = 1; j <= 10; j++) {
  if (j <= 9) POS.push(POS[j - 1] * POS[j - 1]);
  NEG.push(NEG[j - 1] * NEG[j - 1]);
}

/**
 * v * 2^e, exact whenever the result is representable: the partial products move monotonically
 * toward the result, so none of them loses a bit.
 */
function scaleByPow2(v: number, e: number): number {
  let r = v;
  let k = e < 0 ? -e : e;
  let j = 0;
  while (k > 0) {
    if (k % 2 === 1) r = r * (e < 0 ? NEG[j] : POS[j]);
    k = Math.floor(k / 2);
    j++;
  }
  return r;
}

/** Bit pattern (hi, lo uint32 words) -> float64 value. */
export function float64FromWords(hi: number, lo: number): number {
  const negative = hi >= 2147483648;
  const h = negative ? hi - 2147483648 : hi;
  const exp = Math.floor(h / 1048576);
  const mant = (h - exp * 1048576) * TWO32 + lo;
  let v: number;
  if (exp === 2047) v = mant === 0 ? 1 / 0 : 0 / 0;
  else if (exp === 0) v = scaleByPow2(mant, -1074);
  else v = scaleByPow2(mant + TWO52, exp - 1075);
  return negative ? -v : v;
}

/** float64 value -> bit pattern [hi, lo] as uint32 words. */
export function float64ToWords(x: number): number[] {
  // biome-ignore lint/suspicious/noSelfCompare: portable NaN test
  if (x !== x) return [0x7ff80000, 0];
  const negative = x < 0 || (x === 0 && 1 / x < 0);
  const a = negative ? -x : x;
  const sign = negative ? 2147483648 : 0;
  if (a === 1 / 0) return [sign + 0x7ff00000, 0];
  if (a === 0) return [sign, 0];
  const e = exponentOf(a);
  let expField: number;
  let mant: number;
  if (e < -1022) {
    expField = 0;
    mant = a;
    for (let i = 0; i < 1074; i++) mant = mant * 2;
  } else {
    expField = e + 1023;
    // a * 2^-e in [1, 2): a power-of-two scaling of a normal number, exact.
    mant = (a * pow2(-e) - 1) * TWO52;
  }
  const mantHi = Math.floor(mant / TWO32);
  return [sign + expField * 1048576 + mantHi, mant - mantHi * TWO32];
}

/** Appends little-endian fields to a growing byte array. */
export class ByteWriter {
  readonly bytes: number[] = [];

  u8(v: number): void {
    this.bytes.push(v);
  }

  uint(v: number, n: number): void {
    let u = v;
    for (let i = 0; i < n; i++) {
      const rest = Math.floor(u / 256);
      this.bytes.push(u - rest * 256);
      u = rest;
    }
  }

  u16(v: number): void {
    this.uint(v, 2);
  }

  u32(v: number): void {
    this.uint(v, 4);
  }

  i32(v: number): void {
    this.uint(v < 0 ? v + TWO32 : v, 4);
  }

  f64(v: number): void {
    const w = float64ToWords(v);
    this.uint(w[1], 4);
    this.uint(w[0], 4);
  }

  /** ASCII string (0x20..0x7e), u8 length prefix. */
  str(s: string): void {
    if (s.length > 255)
      throw new Error(`string too long (${s.length} > 255): ${s.slice(0, 20)}...`);
    this.u8(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e) throw new Error(`non-ASCII character in "${s}"`);
      this.u8(c);
    }
  }

  raw(data: number[]): void {
    for (let i = 0; i < data.length; i++) this.bytes.push(data[i]);
  }
}

/**
 * Reads little-endian fields up to `end`, throwing ModelFormatError with the byte offset when a
 * field would run past it (truncation) or is malformed.
 */
export class ByteReader {
  pos: number;
  /** Prefix for error messages (e.g. "tensor 3"); labels passed to reads stay constant strings. */
  ctx = "";

  constructor(
    readonly bytes: number[],
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      throw new ModelFormatError(
        `truncated ${this.label(what)}: need ${n} bytes, ${this.end - this.pos} left`,
        this.pos,
      );
    }
  }

  label(what: string): string {
    return this.ctx === "" ? what : `${this.ctx} ${what}`;
  }

  uint(n: number, what: string): number {
    this.need(n, what);
    let v = 0;
    let scale = 1;
    for (let i = 0; i < n; i++) {
      v += this.bytes[this.pos + i] * scale;
      scale = scale * 256;
    }
    this.pos += n;
    return v;
  }

  u8(what: string): number {
    if (this.pos + 1 > this.end) this.need(1, what);
    const v = this.bytes[this.pos];
    this.pos += 1;
    return v;
  }

  u16(what: string): number {
    if (this.pos + 2 > this.end) this.need(2, what);
    const b = this.bytes;
    const p = this.pos;
    this.pos += 2;
    return b[p] + b[p + 1] * 256;
  }

  u32(what: string): number {
    if (this.pos + 4 > this.end) this.need(4, what);
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return b[p] + b[p + 1] * 256 + b[p + 2] * 65536 + b[p + 3] * 16777216;
  }

  i32(what: string): number {
    const u = this.u32(what);
    return u >= 2147483648 ? u - TWO32 : u;
  }

  f64(what: string): number {
    const lo = this.u32(what);
    const hi = this.u32(what);
    return float64FromWords(hi, lo);
  }

  str(what: string): string {
    const n = this.u8(what);
    this.need(n, what);
    let s = "";
    for (let i = 0; i < n; i++) {
      const c = this.bytes[this.pos + i];
      if (c < 0x20 || c > 0x7e)
        throw new ModelFormatError(`${this.label(what)}: non-ASCII byte ${c}`, this.pos + i);
      s += String.fromCharCode(c);
    }
    this.pos += n;
    return s;
  }
}
