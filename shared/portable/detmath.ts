/**
 * Deterministic transcendental functions for the portable subset.
 *
 * `Math.cos/sin/log/exp` differ in the last ulp between V8, libm and MCU libraries, so code whose
 * result must match bit for bit on every engine (the audio front end's tables, later anything the
 * device computes) uses these instead. They are built only from `+ - * /`, `Math.floor` and
 * comparisons, which IEEE 754 makes exact (correctly rounded) on every engine, evaluated in a fixed
 * order. Every non-integer constant is written as an integer below 2^53 times a power of two, so
 * no engine's decimal-literal parser (some MCU `strtod`s are not correctly rounded) can change a
 * bit.
 *
 * Accuracy against the true values (checked against V8's Math.* in test/features/detmath.test.ts):
 * - `cos`, `sin`: |x| <= 1e5, error <= ~2 ulp of the result (Cody-Waite reduction by pi/2 in three
 *   parts, then Taylor polynomials on [-pi/4, pi/4]).
 * - `cospi(x) = cos(pi x)`, `sinpi(x) = sin(pi x)`: exact reduction (so cospi(1/2) is exactly 0),
 *   error <= ~2 ulp; |x| < 2^52.
 * - `log`: natural log, error <= ~2 ulp, every positive double (subnormals included); log(0) is
 *   -Infinity, log(negative or NaN) is NaN.
 * - `exp`: error <= ~2 ulp for results in the normal range (|x| <= 708); overflow gives Infinity,
 *   x < -745 gives 0.
 */

/** NaN test without Number.isNaN, which ES5 engines lack. */
function isNan(x: number): boolean {
  // biome-ignore lint/suspicious/noSelfCompare: NaN is the only value unequal to itself.
  return x !== x;
}

/** 2^k for integer k, exact (repeated multiplication by 2 or 1/2 never rounds in range). */
export function pow2(k: number): number {
  let r = 1;
  if (k >= 0) {
    for (let i = 0; i < k; i++) r = r * 2;
  } else {
    for (let i = 0; i > k; i--) r = r * 0.5;
  }
  return r;
}

// pi/2 split in three parts: P1 and P2 carry 31 and 32 significant bits, so k*P1 and k*P2 are
// exact for |k| < 2^20; P3 carries the next 53 bits.
/** Veltkamp's splitter for doubles, 2^27 + 1. */
const SPLIT = 134217729;

/** The rounding error of p = a * b (p + error = a * b exactly; Dekker, |a|, |b| < 2^995). */
function productError(a: number, b: number, p: number): number {
  const ca = SPLIT * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = SPLIT * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** x - c * c, with c * c exact (double-double) so only the final subtraction rounds. */
function sqrtResidual(x: number, c: number): number {
  const p = c * c;
  return x - p - productError(c, c, p);
}

/** e with 2^e <= c < 2^(e + 1), for positive finite c (exact halving and doubling). */
export function exponentOf(c: number): number {
  let m = c;
  let e = 0;
  while (m >= 2) {
    m = m * 0.5;
    e++;
  }
  while (m < 1) {
    m = m * 2;
    e--;
  }
  return e;
}

/**
 * Correctly rounded square root from + - * / only (Math.sqrt is exp(log(x) / 2) on Espruino).
 * Seed by Newton's iteration on the mantissa, two Newton steps on the exact residual, then the
 * neighbour with the smallest residual. For init-time tables (DCT scales, constants), not per-sample work;
 * arguments in [2^-960, 2^960].
 */
export function sqrt(x: number): number {
  if (isNan(x) || x < 0) return NaN;
  if (x === 0 || x === Infinity) return x;
  // x = m * 4^k with m in [1, 4), by exact power-of-two scaling.
  const k = Math.floor(exponentOf(x) / 2);
  const m = x * pow2(-2 * k);
  let r = m * 0.5 + 0.5;
  for (let i = 0; i < 6; i++) r = 0.5 * (r + m / r);
  r = r * pow2(k);
  for (let i = 0; i < 2; i++) r = r + sqrtResidual(x, r) / (2 * r);
  let best = r;
  let bestErr = Math.abs(sqrtResidual(x, r));
  const e = exponentOf(r);
  const u = pow2(e - 52);
  const down = r - (r === pow2(e) ? u * 0.5 : u);
  const candidates = [down, r + u];
  for (let i = 0; i < candidates.length; i++) {
    const err = Math.abs(sqrtResidual(x, candidates[i]));
    if (err < bestErr) {
      best = candidates[i];
      bestErr = err;
    }
  }
  return best;
}

// Every constant computed from others is a call marked pure, so a bundle that uses only part of
// this module (the native device bundles: pow2 and exponentOf) drops the rest with its constants:
// esbuild removes an unused variable only when its initializer is a literal or a pure call.

/** m * 2^k, exact for an integer m below 2^53. */
function scaled(m: number, k: number): number {
  return m * pow2(k);
}

/** a / b: one correctly rounded division, a call so that an unused constant can go. */
function quotient(a: number, b: number): number {
  return a / b;
}

const PIO2_1 = /* @__PURE__ */ scaled(1686629713, -30);
const PIO2_2 = /* @__PURE__ */ scaled(2242054355, -65);
const PIO2_3 = /* @__PURE__ */ scaled(5376105825661043, -121);
const TWO_OVER_PI = /* @__PURE__ */ scaled(5734161139222659, -53);
/** pi rounded to the nearest double. */
export const PI = /* @__PURE__ */ scaled(7074237752028440, -51);
// ln 2 split: LN2_HI has 32 significant bits, so e*LN2_HI is exact for |e| < 2^21.
const LN2_HI = /* @__PURE__ */ scaled(2977044471, -32);
const LN2_LO = /* @__PURE__ */ scaled(7382048951581814, -85);
const INV_LN2 = /* @__PURE__ */ scaled(6497320848556798, -52);
// Espruino's Math.sqrt is exp(log(x) / 2), off by an ulp: the portable sqrt below is exact.
const SQRT2 = /* @__PURE__ */ sqrt(2);
/** Above this e^x overflows; below EXP_MIN it underflows to 0 (709.782712893384, -745.2). */
const EXP_MAX = /* @__PURE__ */ scaled(6243314768165359, -43);
const EXP_MIN = /* @__PURE__ */ scaled(-6554848520149402, -43);
const TWO_32 = /* @__PURE__ */ pow2(32);
const TWO_M32 = /* @__PURE__ */ pow2(-32);

// Taylor coefficients (-1)^n / (2n+1)! and (-1)^n / (2n)!, built by exact-integer divisions in a
// fixed order. On |t| <= pi/4 the first omitted terms are below 1e-19 relative.
const S3 = -1 / 6;
const S5 = /* @__PURE__ */ quotient(S3, -20);
const S7 = /* @__PURE__ */ quotient(S5, -42);
const S9 = /* @__PURE__ */ quotient(S7, -72);
const S11 = /* @__PURE__ */ quotient(S9, -110);
const S13 = /* @__PURE__ */ quotient(S11, -156);
const S15 = /* @__PURE__ */ quotient(S13, -210);
const S17 = /* @__PURE__ */ quotient(S15, -272);
const C2 = -1 / 2;
const C4 = /* @__PURE__ */ quotient(C2, -12);
const C6 = /* @__PURE__ */ quotient(C4, -30);
const C8 = /* @__PURE__ */ quotient(C6, -56);
const C10 = /* @__PURE__ */ quotient(C8, -90);
const C12 = /* @__PURE__ */ quotient(C10, -132);
const C14 = /* @__PURE__ */ quotient(C12, -182);
const C16 = /* @__PURE__ */ quotient(C14, -240);
const C18 = /* @__PURE__ */ quotient(C16, -306);
// 1/(2n+1) for the atanh series of log; with s^2 <= 0.0295 the omitted terms are below 1e-18.
const L3 = 1 / 3;
const L5 = 1 / 5;
const L7 = 1 / 7;
const L9 = 1 / 9;
const L11 = 1 / 11;
const L13 = 1 / 13;
const L15 = 1 / 15;
const L17 = 1 / 17;
const L19 = 1 / 19;

/** sin(t) for |t| <= pi/4. */
function sinKernel(t: number): number {
  const t2 = t * t;
  const p =
    S3 + t2 * (S5 + t2 * (S7 + t2 * (S9 + t2 * (S11 + t2 * (S13 + t2 * (S15 + t2 * S17))))));
  return t + t * t2 * p;
}

/** cos(t) for |t| <= pi/4. */
function cosKernel(t: number): number {
  const t2 = t * t;
  const p =
    C4 + t2 * (C6 + t2 * (C8 + t2 * (C10 + t2 * (C12 + t2 * (C14 + t2 * (C16 + t2 * C18))))));
  return 1 + t2 * (C2 + t2 * p);
}

/** The value of sin (wantSin) or cos at q*pi/2 + t, with q an integer and |t| <= pi/4. */
function quadrant(q: number, t: number, wantSin: boolean): number {
  const m = q - 4 * Math.floor(q / 4); // 0..3
  const n = wantSin ? m : m + 1; // cos(a) = sin(a + pi/2)
  const r = n - 4 * Math.floor(n / 4);
  if (r === 0) return sinKernel(t);
  if (r === 1) return cosKernel(t);
  if (r === 2) return 0 - sinKernel(t); // 0 - x, not -x: a zero result is +0 on every engine
  return 0 - cosKernel(t);
}

function trig(x: number, wantSin: boolean): number {
  if (isNan(x) || x === Infinity || x === -Infinity) return NaN;
  const k = Math.floor(x * TWO_OVER_PI + 0.5);
  const t = x - k * PIO2_1 - k * PIO2_2 - k * PIO2_3;
  return quadrant(k, t, wantSin);
}

/** Deterministic cos(x). */
export function cos(x: number): number {
  return trig(x, false);
}

/** Deterministic sin(x). */
export function sin(x: number): number {
  return trig(x, true);
}

function trigPi(x: number, wantSin: boolean): number {
  if (isNan(x) || x === Infinity || x === -Infinity) return NaN;
  const y = x - 2 * Math.floor(x / 2); // exact, in [0, 2)
  const q = Math.floor(y * 2 + 0.5); // nearest quarter turn, 0..4
  const r = y - q / 2; // exact, in [-1/4, 1/4]
  return quadrant(q, r * PI, wantSin);
}

/** Deterministic cos(pi x); exact at multiples of 1/2. */
export function cospi(x: number): number {
  return trigPi(x, false);
}

/** Deterministic sin(pi x); exact at multiples of 1/2. */
export function sinpi(x: number): number {
  return trigPi(x, true);
}

/**
 * Deterministic natural logarithm. x = m * 2^e with m in [sqrt(1/2), sqrt(2)) by exact power-of-two
 * scaling; log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.172, by its odd series to s^21.
 */
export function log(x: number): number {
  if (isNan(x) || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  let m = x;
  let e = 0;
  while (m >= TWO_32) {
    m = m * TWO_M32;
    e += 32;
  }
  while (m < TWO_M32) {
    m = m * TWO_32;
    e -= 32;
  }
  while (m >= 16) {
    m = m * 0.0625;
    e += 4;
  }
  while (m < 0.0625) {
    m = m * 16;
    e -= 4;
  }
  while (m >= SQRT2) {
    m = m * 0.5;
    e += 1;
  }
  while (m * SQRT2 < 1) {
    m = m * 2;
    e -= 1;
  }
  const s = (m - 1) / (m + 1);
  const z = s * s;
  const p =
    L3 + z * (L5 + z * (L7 + z * (L9 + z * (L11 + z * (L13 + z * (L15 + z * (L17 + z * L19)))))));
  const logm = 2 * s + 2 * s * z * p;
  return e * LN2_HI + (e * LN2_LO + logm);
}

/** Deterministic e^x: x = k ln2 + r, |r| <= ln2/2, Taylor series of e^r to r^14, times 2^k. */
export function exp(x: number): number {
  if (isNan(x)) return NaN;
  if (x > EXP_MAX) return Infinity;
  if (x < EXP_MIN) return 0;
  const k = Math.floor(x * INV_LN2 + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  // 1 + r(1 + r/2(1 + r/3(... (1 + r/14)))) = sum of r^j / j! for j = 0..14.
  let p = 1;
  for (let n = 14; n >= 1; n--) p = 1 + (r * p) / n;
  let v = p;
  let kk = k;
  while (kk > 0) {
    v = v * 2;
    kk -= 1;
  }
  while (kk < 0) {
    v = v * 0.5;
    kk += 1;
  }
  return v;
}

/**
 * x rounded to the nearest float32 (ties to even), as C's `(float)x`: Math.fround where ES5
 * engines lack it. For init-time tables; results in float32's normal range (no subnormals, no
 * overflow to Infinity).
 */
export function fround(x: number): number {
  if (x === 0 || isNan(x) || x === Infinity || x === -Infinity) return x;
  const a = x < 0 ? -x : x;
  const ulp = pow2(exponentOf(a) - 23);
  const m = a / ulp; // exact: a power-of-two scaling, m in [2^23, 2^24)
  let r = Math.floor(m);
  const d = m - r;
  if (d > 0.5 || (d === 0.5 && r - 2 * Math.floor(r / 2) === 1)) r = r + 1;
  return x < 0 ? -r * ulp : r * ulp;
}
