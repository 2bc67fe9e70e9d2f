/**
 * Band-limited sample-rate conversion: a Kaiser-windowed sinc evaluated as a polyphase filter
 * bank. Rates are integers, so the ratio is exactly L/M (after dividing by their gcd); every
 * output sample falls on one of L phases, each with its own precomputed tap set. The cutoff sits
 * just under the lower of the two Nyquist frequencies, so downsampling (44.1k -> 16k) removes
 * what would alias and upsampling (8k -> 16k) adds no images.
 *
 * Contract: `resample(x, from, to)` returns ceil(x.length * to / from) samples; samples outside
 * the input are taken as zero; each phase's taps sum to 1, so DC passes with unit gain.
 *
 * With the native addon built, tabulated ratios run their loop in C (host/native/c/resample.c:
 * the same taps and sums in the same order, so the same bits) at a fraction of the CPU: the
 * trainer's speed perturbation resamples every augmented clip.
 */
import { nativeAddon } from "../native/load";

/** Zero crossings of the sinc kept on each side of the centre tap. */
const ZERO_CROSSINGS = 16;
/** Kaiser beta: ~80 dB stop-band attenuation. */
const KAISER_BETA = 8.6;
/** Cutoff as a fraction of the lower Nyquist frequency, leaving room for the transition band. */
const ROLLOFF = 0.94;
/** Above this many phases the taps are computed per output sample instead of tabulated. */
const MAX_TABLE_PHASES = 4096;

export interface ResampleOptions {
  zeroCrossings?: number;
  rolloff?: number;
  /** false: the TS loop even where the addon is built (tests and benchmarks compare them). */
  native?: boolean;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (series; converges fast here). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Builds the taps for one fractional position `frac` in [0, 1), normalized to unit DC gain. */
function phaseTaps(
  frac: number,
  half: number,
  cutoff: number,
  width: number,
  i0Beta: number,
): Float64Array {
  const taps = new Float64Array(2 * half);
  let sum = 0;
  for (let j = 0; j < 2 * half; j++) {
    // Tap j multiplies input sample (i0 - half + 1 + j); tau is the distance from the output time.
    const tau = frac + half - 1 - j;
    const r = tau / width;
    if (Math.abs(r) >= 1) continue;
    const w = besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta;
    const h = 2 * cutoff * sinc(2 * cutoff * tau) * w;
    taps[j] = h;
    sum += h;
  }
  if (sum !== 0) for (let j = 0; j < taps.length; j++) taps[j] /= sum;
  return taps;
}

/** Phase tables by ratio and design, so repeated conversions (speed perturbation) reuse them. */
const tables = new Map<string, Float64Array[]>();
const MAX_CACHED_TABLES = 128;

/** Every phase's taps in one array (phase p at p * 2 half), for the C loop; cached as `tables`. */
const flatTables = new Map<string, Float64Array>();

function flatTable(
  key: string,
  table: Float64Array[],
  up: number,
  half: number,
  taps: (phase: number) => Float64Array,
): Float64Array {
  let flat = flatTables.get(key);
  if (!flat) {
    if (flatTables.size >= MAX_CACHED_TABLES)
      flatTables.delete(flatTables.keys().next().value as string);
    flat = new Float64Array(up * 2 * half);
    for (let p = 0; p < up; p++) {
      const t = table[p] ?? taps(p);
      table[p] = t;
      flat.set(t, p * 2 * half);
    }
    flatTables.set(key, flat);
  }
  return flat;
}

function cachedTable(key: string, phases: number): Float64Array[] {
  let t = tables.get(key);
  if (!t) {
    if (tables.size >= MAX_CACHED_TABLES) tables.delete(tables.keys().next().value as string);
    t = new Array(phases);
    tables.set(key, t);
  }
  return t;
}

/**
 * Resamples `input` from `fromRate` to `toRate` (both positive integers, Hz).
 * Returns a new Float32Array; when the rates are equal, a copy.
 */
export function resample(
  input: Float32Array,
  fromRate: number,
  toRate: number,
  opts: ResampleOptions = {},
): Float32Array {
  if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0) {
    throw new RangeError(`resample: rates must be positive integers (got ${fromRate}, ${toRate})`);
  }
  if (fromRate === toRate) return Float32Array.from(input);
  const g = gcd(fromRate, toRate);
  const up = toRate / g; // L: phases
  const down = fromRate / g; // M: input step per output, in units of 1/L
  const zeros = opts.zeroCrossings ?? ZERO_CROSSINGS;
  // Cutoff in cycles per input sample (input Nyquist = 0.5).
  const cutoff = 0.5 * Math.min(1, toRate / fromRate) * (opts.rolloff ?? ROLLOFF);
  const width = zeros / (2 * cutoff); // half-length of the window, in input samples
  const half = Math.ceil(width);
  const i0Beta = besselI0(KAISER_BETA);

  const outLen = Math.ceil((input.length * up) / down);
  const out = new Float32Array(outLen);
  const key = `${up}/${down}/${zeros}/${cutoff}`;
  const table = up <= MAX_TABLE_PHASES ? cachedTable(key, up) : null;
  const native = table !== null && opts.native !== false ? nativeAddon() : null;
  if (native !== null && table !== null) {
    const flat = flatTable(key, table, up, half, (p) =>
      phaseTaps(p / up, half, cutoff, width, i0Beta),
    );
    native.resamplePolyphase(input, out, flat, up, down, half);
    return out;
  }
  const n = input.length;
  // Float64 copy: the dot product's loads then need no float32 -> float64 conversion.
  const src = Float64Array.from(input);
  for (let o = 0; o < outLen; o++) {
    const pos = o * down; // output time in units of 1/L input samples (exact integer)
    const i0 = Math.floor(pos / up);
    const phase = pos - i0 * up;
    let taps: Float64Array;
    if (table) {
      taps = table[phase] ?? phaseTaps(phase / up, half, cutoff, width, i0Beta);
      table[phase] = taps;
    } else {
      taps = phaseTaps(phase / up, half, cutoff, width, i0Beta);
    }
    const start = i0 - half + 1;
    // Ternaries, not Math.max/min: those cost 10-30 ns each in V8 here, per output sample.
    const jLo = start < 0 ? -start : 0;
    const jHi = n - start < taps.length ? n - start : taps.length;
    out[o] = dot(taps, src, start, jLo, jHi);
  }
  return out;
}

/**
 * sum_{j in [lo, hi)} taps[j] * input[start + j], in four interleaved partial sums: one sum's
 * chain of dependent adds bounded the resampler at ~4 cycles per tap; four chains let the adds
 * overlap (speed perturbation resamples every augmented clip). Only the order of the additions
 * changes, so results differ from a single sum by double rounding, far below float32's.
 */
function dot(
  taps: Float64Array,
  input: Float64Array,
  start: number,
  lo: number,
  hi: number,
): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let j = lo;
  for (; j + 3 < hi; j += 4) {
    const i = start + j;
    a0 += taps[j] * input[i];
    a1 += taps[j + 1] * input[i + 1];
    a2 += taps[j + 2] * input[i + 2];
    a3 += taps[j + 3] * input[i + 3];
  }
  for (; j < hi; j++) a0 += taps[j] * input[start + j];
  return a0 + a1 + (a2 + a3);
}
