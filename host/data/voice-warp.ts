/**
 * Vocal tract length perturbation in the audio domain (Jaitly & Hinton 2013): the short-time
 * magnitude spectrum is warped along frequency by a factor alpha, as if a speaker with a
 * shorter (alpha > 1) or longer (alpha < 1) vocal tract said the same thing at the same pitch
 * period and tempo. The original phase is kept; the front end reads magnitudes only, so the
 * warp reaches the features while duration and alignment stay exactly as recorded.
 *
 * Piecewise-linear warp: f -> alpha f up to a boundary, then a straight line that ends at the
 * Nyquist frequency, so no energy leaves or wraps around the band.
 */
import FFT from "fft.js";
import { nativeAddon } from "../native/load";
import { atan2, FAST_TRIG_TABLES, polarInto, round } from "./fast-trig";
import { fftjsPlanTables } from "./fftjs-plan";
import { TARGET_RATE } from "./wav/read";

/** Frequency at which the warp's linear part ends (for alpha <= 1), Hz (the paper's 4.8 kHz). */
export const WARP_BOUNDARY_HZ = 4800;

/** The warped frequency of `f` Hz for factor `alpha` at sample rate `rate`. */
export function vtlpFrequency(f: number, alpha: number, rate = TARGET_RATE): number {
  const nyquist = rate / 2;
  const boundary = (WARP_BOUNDARY_HZ * Math.min(alpha, 1)) / alpha;
  if (f <= boundary) return alpha * f;
  const top = WARP_BOUNDARY_HZ * Math.min(alpha, 1);
  return nyquist - ((nyquist - top) / (nyquist - boundary)) * (nyquist - f);
}

/** The derivative of vtlpFrequency at `f` (each piece is a line). */
export function vtlpSlope(f: number, alpha: number, rate = TARGET_RATE): number {
  const nyquist = rate / 2;
  const boundary = (WARP_BOUNDARY_HZ * Math.min(alpha, 1)) / alpha;
  if (f <= boundary) return alpha;
  return (nyquist - WARP_BOUNDARY_HZ * Math.min(alpha, 1)) / (nyquist - boundary);
}

/** Inverse of vtlpFrequency (both pieces are increasing lines). */
export function sourceFrequency(g: number, alpha: number, rate: number): number {
  const nyquist = rate / 2;
  const boundary = (WARP_BOUNDARY_HZ * Math.min(alpha, 1)) / alpha;
  if (g <= alpha * boundary) return g / alpha;
  const top = WARP_BOUNDARY_HZ * Math.min(alpha, 1);
  return nyquist - ((nyquist - g) * (nyquist - boundary)) / (nyquist - top);
}

const windows = new Map<number, Float64Array>();
/** Periodic square-root Hann window of n points (cached). */
export function sqrtHann(n: number): Float64Array {
  let w = windows.get(n);
  if (!w) {
    w = new Float64Array(n);
    for (let i = 0; i < n; i++) w[i] = Math.sqrt(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
    windows.set(n, w);
  }
  return w;
}

/**
 * FFT plan and every buffer one warp of a clip of `length` samples needs, kept between calls:
 * augmentation warps thousands of equal-length clips, and allocating ~20 arrays per clip cost
 * more than a tenth of the warp. Single-threaded use only (each worker has its own module).
 */
class Workspace {
  readonly fft: FFT;
  readonly win: Float64Array;
  readonly frames: number;
  readonly padded: Float64Array;
  readonly out: Float64Array;
  /** Summed synthesis window power at each padded sample (overlap-add's divisor). */
  readonly norm: Float64Array;
  readonly frame: Float64Array;
  readonly spec: Float64Array;
  readonly pair: Float64Array;
  readonly back: Float64Array;
  readonly mag: Float64Array;
  readonly phase: Float64Array;
  readonly lastPhase: Float64Array;
  readonly outPhase: Float64Array;
  readonly advance: Float64Array;
  readonly wr: [Float64Array, Float64Array];
  readonly wi: [Float64Array, Float64Array];
  /** Per output bin: lower source bin, upper source bin, interpolation weight, phase source. */
  readonly k0: Int32Array;
  readonly k1: Int32Array;
  readonly frac: Float64Array;
  readonly nearest: Int32Array;
  /** The C warp's arguments (host/native/c/vtlp.c), made at its first use: fixed parts once. */
  native: { tables: Float64Array; ints: Int32Array } | null = null;

  constructor(
    readonly n: number,
    readonly length: number,
  ) {
    const half = n / 2;
    const hop = n / 4;
    this.fft = new FFT(n);
    this.win = sqrtHann(n);
    this.padded = new Float64Array(length + 2 * n);
    this.out = new Float64Array(this.padded.length);
    this.frames = Math.floor((this.padded.length - n) / hop) + 1;
    this.norm = new Float64Array(this.padded.length);
    const win = this.win;
    for (let t = 0; t < this.frames; t++)
      for (let i = 0; i < n; i++) this.norm[t * hop + i] += win[i] * win[i];
    this.frame = new Float64Array(n);
    this.spec = new Float64Array(2 * n);
    this.pair = new Float64Array(2 * n);
    this.back = new Float64Array(2 * n);
    const bins = () => new Float64Array(half + 1);
    this.mag = bins();
    this.phase = bins();
    this.lastPhase = bins();
    this.outPhase = bins();
    this.advance = bins();
    this.wr = [bins(), bins()];
    this.wi = [bins(), bins()];
    this.k0 = new Int32Array(half + 1);
    this.k1 = new Int32Array(half + 1);
    this.frac = bins();
    this.nearest = new Int32Array(half + 1);
  }
}

const workspaces = new Map<string, Workspace>();
function workspace(n: number, length: number): Workspace {
  const key = `${n}/${length}`;
  let w = workspaces.get(key);
  if (!w) {
    // Clip lengths vary only outside training; keep a handful.
    if (workspaces.size >= 8) workspaces.delete(workspaces.keys().next().value as string);
    w = new Workspace(n, length);
    workspaces.set(key, w);
  }
  return w;
}

/**
 * `x` with its spectrum warped by `alpha` (same length): a phase vocoder. STFT of `fftSize`
 * points at 75% overlap, square-root Hann window on analysis and synthesis. Each output bin takes
 * the magnitude at its source frequency and a phase that advances at the warped instantaneous
 * frequency of the source bin, so a steady partial at f comes out as a steady partial at g(f)
 * (keeping the input's phase would leave it at f). Overlap-add is divided by the summed window
 * power, which makes alpha = 1 give `x` back to rounding.
 */
export function vtlpWarp(
  x: Float32Array,
  alpha: number,
  rate = TARGET_RATE,
  fftSize = 512,
  opts: { native?: boolean } = {},
): Float32Array {
  if (!(alpha > 0) || !Number.isFinite(alpha))
    throw new RangeError(`vtlpWarp: alpha must be a positive number (got ${alpha})`);
  const n = fftSize;
  const half = n / 2;
  const hop = n / 4;
  const ws = workspace(n, x.length);
  const { fft, win, frames, padded, out, norm, frame, spec, pair, back, mag, phase } = ws;
  const { lastPhase, outPhase, advance, wr, wi, k0, k1, frac, nearest } = ws;
  const twoPi = 2 * Math.PI;
  // Source bin (fractional) of each output bin, split for interpolation, and the nearest whole
  // one (its phase source).
  for (let k = 0; k <= half; k++) {
    const s = Math.min(half, (sourceFrequency((k * rate) / n, alpha, rate) * n) / rate);
    k0[k] = Math.floor(s);
    k1[k] = Math.min(half, k0[k] + 1);
    frac[k] = s - k0[k];
    nearest[k] = Math.round(s);
  }

  const addon = opts.native === false ? null : nativeAddon();
  // 512 points (the recipe's) is the size the C path's equivalence is tested at.
  if (addon !== null && n === 512) {
    const y = new Float32Array(x.length);
    const { tables, ints } = nativeArgs(ws, alpha, rate);
    addon.vtlpWarpFrames(x, y, tables, ints);
    return y;
  }

  // padded[0, n) and padded[n + x.length, end) stay zero from construction.
  for (let i = 0; i < x.length; i++) padded[n + i] = x[i];
  out.fill(0);
  const identity = alpha === 1;
  // vtlpFrequency's two pieces, and each bin's centre frequency and expected advance per hop.
  const nyquist = rate / 2;
  const boundary = (WARP_BOUNDARY_HZ * Math.min(alpha, 1)) / alpha;
  const upperSlope = (nyquist - WARP_BOUNDARY_HZ * Math.min(alpha, 1)) / (nyquist - boundary);
  const invTwoPi = 1 / twoPi;
  const invHop = 1 / hop;
  const hzPerOmega = rate / twoPi;
  const hopOmegaPerHz = (twoPi / rate) * hop;

  /** Inverse transform of the warped spectra of frames first (and first + 1 when count is 2). */
  const inverse = (first: number, count: number): void => {
    const [ar, br] = wr;
    const [ai, bi] = wi;
    if (count === 2) {
      // Both outputs are real, so the first goes in the real part and the second in the
      // imaginary part of one Hermitian-paired spectrum: Z[k] = A[k] + i B[k],
      // Z[n - k] = conj(A[k]) + i conj(B[k]).
      for (let k = 0; k <= half; k++) {
        pair[2 * k] = ar[k] - bi[k];
        pair[2 * k + 1] = ai[k] + br[k];
      }
      for (let k = 1; k < half; k++) {
        pair[2 * (n - k)] = ar[k] + bi[k];
        pair[2 * (n - k) + 1] = -ai[k] + br[k];
      }
    } else {
      for (let k = 0; k <= half; k++) {
        pair[2 * k] = ar[k];
        pair[2 * k + 1] = ai[k];
      }
      for (let k = 1; k < half; k++) {
        pair[2 * (n - k)] = ar[k];
        pair[2 * (n - k) + 1] = -ai[k];
      }
    }
    fft.inverseTransform(back, pair);
    for (let f = 0; f < count; f++) {
      const at = (first + f) * hop;
      for (let i = 0; i < n; i++) out[at + i] += back[2 * i + f] * win[i];
    }
  };

  for (let t = 0; t < frames; t++) {
    const start = t * hop;
    for (let i = 0; i < n; i++) frame[i] = padded[start + i] * win[i];
    // realTransform fills bins 0..n/2, all that is read below.
    fft.realTransform(spec, frame);
    for (let k = 0; k <= half; k++) {
      const re = spec[2 * k];
      const im = spec[2 * k + 1];
      mag[k] = Math.sqrt(re * re + im * im);
      phase[k] = atan2(im, re);
    }
    const slot = t & 1;
    const outRe = wr[slot];
    const outIm = wi[slot];
    if (identity || t === 0) {
      // Identity keeps every bin's own phase; the first frame starts from its source bin's.
      const from = identity ? null : nearest;
      for (let k = 0; k <= half; k++) {
        const j = from ? from[k] : k;
        const a = k0[k];
        outPhase[k] = phase[j];
        polarInto(mag[a] + frac[k] * (mag[k1[k]] - mag[a]), phase[j], outRe, outIm, k);
      }
    } else {
      // Phase advance over one hop at the warped instantaneous frequency of each source bin.
      for (let j = 0; j <= half; j++) {
        const expected = ((twoPi * j) / n) * hop;
        let d = phase[j] - lastPhase[j] - expected;
        d -= twoPi * round(d * invTwoPi);
        const f = ((twoPi * j) / n + d * invHop) * hzPerOmega;
        // max(0, f) without Math.max, which costs 10-30 ns in V8 here (f is never NaN).
        const hz = f > 0 ? f : 0;
        const g = hz <= boundary ? alpha * hz : nyquist - upperSlope * (nyquist - hz);
        advance[j] = g * hopOmegaPerHz;
      }
      for (let k = 0; k <= half; k++) {
        const a = k0[k];
        const p = outPhase[k] + advance[nearest[k]];
        // Kept within one turn, where polarInto is exact to rounding.
        const wrapped = p - twoPi * round(p * invTwoPi);
        outPhase[k] = wrapped;
        polarInto(mag[a] + frac[k] * (mag[k1[k]] - mag[a]), wrapped, outRe, outIm, k);
      }
    }
    // Bins 0 and n/2 of a real signal's spectrum are real.
    outIm[0] = 0;
    outIm[half] = 0;
    lastPhase.set(phase);
    if (slot === 1) inverse(t - 1, 2);
    else if (t === frames - 1) inverse(t, 1);
  }
  // Overlap-add is divided by the summed window power (constant away from the padded ends).
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const w = norm[n + i];
    y[i] = w > 1e-9 ? out[n + i] / w : 0;
  }
  return y;
}

/**
 * The C warp's arguments for one call (layout in host/native/c/vtlp.c): the workspace's fixed
 * tables once, then this call's bin mapping (already in ws.k0 ... ws.nearest) and constants,
 * computed by the same expressions as vtlpWarp's own loop.
 */
function nativeArgs(ws: Workspace, alpha: number, rate: number) {
  const n = ws.n;
  const h = n / 2 + 1;
  const hop = n / 4;
  const plen = ws.padded.length;
  const trig = FAST_TRIG_TABLES;
  const fixedTail = trig.atan.length + trig.cos.length + trig.sin.length + 3;
  const fracAt = n + plen + 2 * n;
  const constsAt = fracAt + h;
  if (ws.native === null) {
    const fft = fftjsPlanTables(ws.fft);
    const tables = new Float64Array(constsAt + 12 + fixedTail);
    tables.set(ws.win, 0);
    tables.set(ws.norm, n);
    tables.set(fft.table, n + plen);
    let at = constsAt + 12;
    for (const t of [trig.atan, trig.cos, trig.sin]) {
      tables.set(t, at);
      at += t.length;
    }
    tables.set([trig.stepLo, trig.halfPi, trig.pi], at);
    const ints = new Int32Array(2 + n + 3 * h);
    ints[0] = n;
    ints[1] = fft.width;
    // The first stage reads only the first entries of fft.js's bit reversal.
    ints.set(fft.bitrev.subarray(0, n), 2);
    ws.native = { tables, ints };
  }
  const { tables, ints } = ws.native;
  const twoPi = 2 * Math.PI;
  const nyquist = rate / 2;
  const boundary = (WARP_BOUNDARY_HZ * Math.min(alpha, 1)) / alpha;
  const upperSlope = (nyquist - WARP_BOUNDARY_HZ * Math.min(alpha, 1)) / (nyquist - boundary);
  tables.set(ws.frac, fracAt);
  tables.set(
    [
      alpha,
      alpha === 1 ? 1 : 0,
      nyquist,
      boundary,
      upperSlope,
      1 / twoPi,
      1 / hop,
      rate / twoPi,
      (twoPi / rate) * hop,
      twoPi,
      trig.invStep,
      trig.stepHi,
    ],
    constsAt,
  );
  ints.set(ws.k0, 2 + n);
  ints.set(ws.k1, 2 + n + h);
  ints.set(ws.nearest, 2 + n + 2 * h);
  return { tables, ints };
}
