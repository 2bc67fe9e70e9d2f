/**
 * 32-bit integer helpers: the only place portable code does bitwise work.
 *
 * These are the JS versions. Each device target may replace this module (Lua 5.3 has 64-bit
 * integer bitwise operators, so its replacement must wrap results to the signed 32-bit range).
 * Contract for every function here: arguments are integers that fit in 32 bits (signed or
 * unsigned), results are signed int32 values in [-2^31, 2^31) unless stated otherwise.
 */

/** Wraps an integer-valued number (|x| < 2^53) to the signed 32-bit range, without `|0`. */
export function toInt32(x: number): number {
  // ECMAScript ToInt32 is exact modulo 2^32 for every finite double.
  return x | 0;
}

/** Wraps an integer-valued number (|x| < 2^53) to the unsigned 32-bit range [0, 2^32). */
export function toUint32(x: number): number {
  return x >>> 0;
}

/** Bitwise and of two 32-bit words. */
export function and32(a: number, b: number): number {
  return a & b;
}

/** Bitwise or of two 32-bit words. */
export function or32(a: number, b: number): number {
  return a | b;
}

/** Bitwise xor of two 32-bit words. */
export function xor32(a: number, b: number): number {
  return a ^ b;
}

/** Bitwise not of a 32-bit word. */
export function not32(a: number): number {
  return ~a;
}

/** Left shift of a 32-bit word by 0..31, wrapping to int32. */
export function shl32(a: number, n: number): number {
  return a << n;
}

/** Arithmetic (sign-propagating) right shift of an int32 by 0..31. */
export function sra32(a: number, n: number): number {
  return a >> n;
}

/** Logical right shift of a 32-bit word by 0..31; result in [0, 2^32). */
export function srl32(a: number, n: number): number {
  return a >>> n;
}

/** Number of set bits in a 32-bit word (0..32). */
export function popcount32(a: number): number {
  let v = a - ((a >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  // Sum the four byte counts without a multiply (Math.imul is not portable).
  v = v + (v >>> 8);
  v = v + (v >>> 16);
  return v & 0x3f;
}

/** Number of set bits in xnor(a, b) restricted to `mask`: the matching ±1 positions. */
export function xnorPopcount32(a: number, b: number, mask: number): number {
  return popcount32(~(a ^ b) & mask);
}

/** A mask with the low `n` bits set, n in 0..32 (n = 32 gives all ones, as int32 -1). */
export function lowMask32(n: number): number {
  if (n >= 32) return -1;
  if (n <= 0) return 0;
  return toInt32(pow2(n) - 1);
}

/** 2^n for integer n in 0..62, exact (built by doubling: no Math.pow on bit-exact paths). */
export function pow2(n: number): number {
  let r = 1;
  for (let i = 0; i < n; i++) r = r * 2;
  return r;
}
