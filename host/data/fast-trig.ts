/**
 * atan2, cos/sin and round for the augmentation's per-bin loops (the vocal tract warp calls them
 * ~100k times per clip; V8's Math.atan2, Math.cos, Math.sin and Math.round cost 10-30 ns each
 * there). Both use a
 * small table of exact values plus a short Taylor series on a remainder kept tiny by the table,
 * so they agree with Math's to a few units in the last place (~1e-15 absolute), not to an
 * approximation's tolerance.
 */

/**
 * Math.round(v) (nearest integer, halves up) exactly, except that it gives +0 where Math.round
 * gives -0. V8 here spends 9-50 ns in Math.round against ~3 ns in Math.floor; v - floor(v) is
 * exact, so no half is decided differently (floor(v + 0.5) would round 0.49999999999999994 up).
 */
export function round(v: number): number {
  const f = Math.floor(v);
  return f + +(v - f >= 0.5);
}

/** Table step for atan: atan(t) = atan(i / 16) + atan((t - i/16) / (1 + t i/16)), t in [0, 1]. */
const ATAN_STEPS = 16;
const ATAN_TABLE = Float64Array.from({ length: ATAN_STEPS + 1 }, (_, i) =>
  Math.atan(i / ATAN_STEPS),
);
const HALF_PI = Math.PI / 2;

/**
 * Math.atan2(y, x) to ~1e-15. Zeros, infinities and NaN go to Math.atan2 itself, so every
 * signed-zero case (a silent bin's phase) is the same value bit for bit.
 */
export function atan2(y: number, x: number): number {
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  // Octant choices as 0/1 arithmetic, not branches or Math.min/max: phases are random, so
  // branches mispredict half the time, and V8's Math.max costs more than this whole line.
  // s * v + (1 - s) * w is v or w exactly (NaN for an infinite one: caught just below).
  const swap = +(ay > ax);
  const lo = swap * ax + (1 - swap) * ay;
  const hi = swap * ay + (1 - swap) * ax;
  // Also false for NaN; both nonzero and finite past this point.
  if (!(lo > 0 && hi < Infinity)) return Math.atan2(y, x);
  // atan(lo / hi) = atan(c) + atan(u), c the nearest table point: |u| <= 1/32, where five odd
  // Taylor terms leave an error below 1e-18.
  const i = ((lo / hi) * ATAN_STEPS + 0.5) | 0;
  const c = i / ATAN_STEPS;
  const u = (lo - c * hi) / (hi + c * lo);
  const u2 = u * u;
  let a = ATAN_TABLE[i] + u * (1 - u2 * (1 / 3 - u2 * (1 / 5 - u2 * (1 / 7 - u2 * (1 / 9)))));
  a = swap * HALF_PI + (1 - 2 * swap) * a;
  const left = +(x < 0);
  a = left * Math.PI + (1 - 2 * left) * a;
  return (1 - 2 * +(y < 0)) * a;
}

/** Table step for cos/sin: 128 points per turn, so the remainder is within pi/128. */
const TURN_STEPS = 128;
const STEP = (2 * Math.PI) / TURN_STEPS;
const INV_STEP = 1 / STEP;
// STEP split Cody-Waite style: STEP_HI keeps 17 significant bits, so k * STEP_HI is exact.
const STEP_HI = STEP - (STEP % 2 ** -21);
const STEP_LO = STEP - STEP_HI;
const COS_TABLE = Float64Array.from({ length: TURN_STEPS }, (_, i) => Math.cos(i * STEP));
const SIN_TABLE = Float64Array.from({ length: TURN_STEPS }, (_, i) => Math.sin(i * STEP));

/**
 * Writes m cos(angle) to re[at] and m sin(angle) to im[at] (a polar value to rectangular form).
 * Accurate to ~1e-15 for |angle| up to a few thousand radians (and finite below ~8e8); the warp
 * keeps its angles within one turn.
 */
export function polarInto(
  m: number,
  angle: number,
  re: Float64Array,
  im: Float64Array,
  at: number,
): void {
  const k = round(angle * INV_STEP);
  const r = angle - k * STEP_HI - k * STEP_LO;
  const r2 = r * r;
  // |r| <= pi/128: sin to r^7 and cos to r^6 leave errors below 1e-17.
  const s = r * (1 - r2 * (1 / 6 - r2 * (1 / 120 - r2 * (1 / 5040))));
  const c = 1 - r2 * (1 / 2 - r2 * (1 / 24 - r2 * (1 / 720)));
  const i = k & (TURN_STEPS - 1);
  const ct = COS_TABLE[i];
  const st = SIN_TABLE[i];
  re[at] = m * (ct * c - st * s);
  im[at] = m * (st * c + ct * s);
}

/**
 * The tables and constants atan2 and polarInto use, for their C transcription in the native
 * addon (host/native/c/vtlp.c): [atan (17), cos (128), sin (128)] and
 * [halfPi, pi, invStep, stepHi, stepLo].
 */
export const FAST_TRIG_TABLES = {
  atan: ATAN_TABLE,
  cos: COS_TABLE,
  sin: SIN_TABLE,
  halfPi: HALF_PI,
  pi: Math.PI,
  invStep: INV_STEP,
  stepHi: STEP_HI,
  stepLo: STEP_LO,
};
