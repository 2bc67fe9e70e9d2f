/**
 * Integer requantization, the one rounding rule of earshot's inference.
 *
 * A real multiplier M (e.g. inScale * wScale / outScale) is stored as an int32 multiplier `mult`
 * and a right shift `shift` with M ~= mult * 2^-shift (host: host/compress/quant-params.ts).
 * `rescale(acc, mult, shift)` = floor((acc * mult + 2^(shift-1)) / 2^shift): round half up
 * (toward +infinity) of the exact product. This is simpler than TFLite's
 * SaturatingRoundingDoublingHighMul + RoundingDivideByPOT (two roundings, half away from zero);
 * it differs from it by at most one unit at exact ties, and is exact on every engine because it
 * is computed in doubles with all intermediates below 2^53:
 *
 *   mult = mh * 2^16 + ml (0 <= ml < 2^16), A = acc*mh, B = acc*ml, Y = A + floor(B / 2^16)
 *   rescale = floor((Y + 2^(shift-17)) / 2^(shift-16))
 *
 * Preconditions: |acc| < 2^36 (int8/int16 accumulators over up to ~2^14 taps), |mult| < 2^31,
 * shift in [SHIFT_MIN, SHIFT_MAX]. A negative mult rescales -acc by |mult| (a negative folded
 * BN gain); the rounding is still half up of the true product.
 */

export const SHIFT_MIN = 17;
export const SHIFT_MAX = 62;
export const MULT_LIMIT = 2147483648; // |mult| < 2^31

const POW2: number[] = [];
{
  let p = 1;
  // Up to 2^62 only: Lua 5.3 integers would wrap at 2^63.
  for (let i = 0; i <= 62; i++) {
    POW2.push(p);
    if (i < 62) p = p * 2;
  }
}

/** 2^n for integer n in 0..62 (exact). */
export function pow2Table(n: number): number {
  return POW2[n];
}

/** Round-half-up rescale of an integer accumulator by mult * 2^-shift (see module comment). */
export function rescale(acc: number, mult: number, shift: number): number {
  let a = acc;
  let m = mult;
  if (m < 0) {
    a = -a;
    m = -m;
  }
  const mh = Math.floor(m / 65536);
  const ml = m - mh * 65536;
  const y = a * mh + Math.floor((a * ml) / 65536);
  return Math.floor((y + POW2[shift - 17]) / POW2[shift - 16]);
}

/**
 * TensorFlow Lite (Micro)'s requantization, two roundings: with e = 31 - shift, x = acc * 2^max(e, 0),
 * y = floor((x * mult + 2^30) / 2^31) (SaturatingRoundingDoublingHighMul: half up), then
 * y / 2^max(-e, 0) rounded half away from zero (RoundingDivideByPOT). Exact for |x| < 2^36.
 */
export function rescaleTflm(acc: number, mult: number, shift: number): number {
  const e = 31 - shift;
  const x = e > 0 ? acc * POW2[e] : acc;
  const y = rescale(x, mult, 31);
  return e < 0 ? divRoundHalfAway(y, POW2[0 - e]) : y;
}

/** Clamps an integer to [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** outZp + rescale(acc), saturated to the activation range [actMin, actMax]. */
export function requantize(
  acc: number,
  mult: number,
  shift: number,
  outZp: number,
  actMin: number,
  actMax: number,
): number {
  return clamp(outZp + rescale(acc, mult, shift), actMin, actMax);
}

/** Round half away from zero of a float (exact: no x + 0.5 rounding trap). */
export function roundHalfAwayFromZero(x: number): number {
  const a = x < 0 ? -x : x;
  const f = Math.floor(a);
  const r = a - f >= 0.5 ? f + 1 : f;
  return x < 0 ? 0 - r : r;
}

/** Integer division sum / count (count > 0) rounded half away from zero, as TFLite pooling. */
export function divRoundHalfAway(sum: number, count: number): number {
  if (sum >= 0) return Math.floor((sum + Math.floor(count / 2)) / count);
  return 0 - Math.floor((-sum + Math.floor(count / 2)) / count); // 0 - x: never -0
}
