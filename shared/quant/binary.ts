/**
 * Binary (XNOR / popcount) arithmetic on packed ±1 words (layout: shared/quant/pack.ts).
 *
 * For two ±1 vectors of n elements, dot = matches - mismatches = 2 * matches - n, where
 * matches = popcount(xnor(a, b)) over the n valid bits.
 */
import { lowMask32, xnorPopcount32 } from "../portable/int";

/** Matching bits of `ch` packed values of a (from word aOff) and b (from word bOff). */
export function xnorMatches(
  a: number[],
  aOff: number,
  b: number[],
  bOff: number,
  ch: number,
): number {
  let matches = 0;
  const full = Math.floor(ch / 32);
  for (let w = 0; w < full; w++) matches += xnorPopcount32(a[aOff + w], b[bOff + w], -1);
  const rest = ch - full * 32;
  if (rest > 0) matches += xnorPopcount32(a[aOff + full], b[bOff + full], lowMask32(rest));
  return matches;
}

/** ±1 dot product of `ch` packed values: 2 * matches - ch. */
export function xnorDot(a: number[], aOff: number, b: number[], bOff: number, ch: number): number {
  return 2 * xnorMatches(a, aOff, b, bOff, ch) - ch;
}

/**
 * A folded BN + sign decision on an integer x: 1 iff (dir > 0 ? x >= thr : x <= thr).
 * (host/compress/threshold-fold.ts derives thr, dir from the float batch-norm parameters.)
 */
export function thresholdBit(x: number, thr: number, dir: number): number {
  if (dir > 0) return x >= thr ? 1 : 0;
  return x <= thr ? 1 : 0;
}
