// Reference copy of host/data/resample.ts as of 1e2ca13, before issue 13's speed-ups: the oracle that
// test/data/augment-equivalence.test.ts and bench/augment-cost.ts compare the fast versions against.
/**
 * Band-limited sample-rate conversion: a Kaiser-windowed sinc evaluated as a polyphase filter
 * bank. Rates are integers, so the ratio is exactly L/M (after dividing by their gcd); every
 * output sample falls on one of L phases, each with its own precomputed tap set. The cutoff sits
 * just under the lower of the two Nyquist frequencies, so downsampling (44.1k -> 16k) removes
 * what would alias and upsampling (8k -> 16k) adds no images.
 *
 * Contract: `resample(x, from, to)` returns ceil(x.length * to / from) samples; samples outside
 * the input are taken as zero; each phase's taps sum to 1, so DC passes with unit gain.
 */

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
  const table = up <= MAX_TABLE_PHASES ? cachedTable(`${up}/${down}/${zeros}/${cutoff}`, up) : null;
  const n = input.length;
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
    const jLo = Math.max(0, -start);
    const jHi = Math.min(taps.length, n - start);
    let acc = 0;
    for (let j = jLo; j < jHi; j++) acc += taps[j] * input[start + j];
    out[o] = acc;
  }
  return out;
}
