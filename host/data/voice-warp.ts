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
import { TARGET_RATE } from "./wav/read";

/** Frequency at which the warp's linear part ends (for alpha <= 1), Hz (the paper's 4.8 kHz). */
const WARP_BOUNDARY_HZ = 4800;

/** The warped frequency of `f` Hz for factor `alpha` at sample rate `rate`. */
export function vtlpFrequency(f: number, alpha: number, rate = TARGET_RATE): number {
  const nyquist = rate / 2;
  const boundary = (WARP_BOUNDARY_HZ * Math.min(alpha, 1)) / alpha;
  if (f <= boundary) return alpha * f;
  const top = WARP_BOUNDARY_HZ * Math.min(alpha, 1);
  return nyquist - ((nyquist - top) / (nyquist - boundary)) * (nyquist - f);
}

/** Inverse of vtlpFrequency (both pieces are increasing lines). */
function sourceFrequency(g: number, alpha: number, rate: number): number {
  const nyquist = rate / 2;
  const boundary = (WARP_BOUNDARY_HZ * Math.min(alpha, 1)) / alpha;
  if (g <= alpha * boundary) return g / alpha;
  const top = WARP_BOUNDARY_HZ * Math.min(alpha, 1);
  return nyquist - ((nyquist - g) * (nyquist - boundary)) / (nyquist - top);
}

const windows = new Map<number, Float64Array>();
/** Periodic square-root Hann window of n points (cached). */
function sqrtHann(n: number): Float64Array {
  let w = windows.get(n);
  if (!w) {
    w = new Float64Array(n);
    for (let i = 0; i < n; i++) w[i] = Math.sqrt(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
    windows.set(n, w);
  }
  return w;
}

const plans = new Map<number, FFT>();
function plan(size: number): FFT {
  let p = plans.get(size);
  if (!p) {
    p = new FFT(size);
    plans.set(size, p);
  }
  return p;
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
): Float32Array {
  if (!(alpha > 0) || !Number.isFinite(alpha))
    throw new RangeError(`vtlpWarp: alpha must be a positive number (got ${alpha})`);
  const n = fftSize;
  const half = n / 2;
  const hop = n / 4;
  const fft = plan(n);
  const win = sqrtHann(n);
  // Source bin (fractional) of each output bin.
  const src = new Float64Array(half + 1);
  for (let k = 0; k <= half; k++)
    src[k] = Math.min(half, (sourceFrequency((k * rate) / n, alpha, rate) * n) / rate);

  const padded = new Float64Array(x.length + 2 * n);
  for (let i = 0; i < x.length; i++) padded[n + i] = x[i];
  const out = new Float64Array(padded.length);
  const norm = new Float64Array(padded.length);
  const frame = new Float64Array(n);
  const spec = fft.createComplexArray() as number[];
  const warped = fft.createComplexArray() as number[];
  const back = fft.createComplexArray() as number[];
  const mag = new Float64Array(half + 1);
  const phase = new Float64Array(half + 1);
  const lastPhase = new Float64Array(half + 1);
  const outPhase = new Float64Array(half + 1);
  const nearest = new Int32Array(half + 1);
  for (let k = 0; k <= half; k++) nearest[k] = Math.round(src[k]);
  const identity = alpha === 1;
  let first = true;
  for (let start = 0; start + n <= padded.length; start += hop) {
    for (let i = 0; i < n; i++) frame[i] = padded[start + i] * win[i];
    fft.realTransform(spec, frame);
    fft.completeSpectrum(spec);
    for (let k = 0; k <= half; k++) {
      const re = spec[2 * k];
      const im = spec[2 * k + 1];
      mag[k] = Math.sqrt(re * re + im * im);
    }
    for (let k = 0; k <= half; k++) phase[k] = Math.atan2(spec[2 * k + 1], spec[2 * k]);
    for (let k = 0; k <= half; k++) {
      const s = src[k];
      const k0 = Math.floor(s);
      const k1 = Math.min(half, k0 + 1);
      const m = mag[k0] + (s - k0) * (mag[k1] - mag[k0]);
      const j = nearest[k];
      if (identity) outPhase[k] = phase[k];
      else if (first) outPhase[k] = phase[j];
      else {
        // Instantaneous frequency of source bin j (rad/sample), then warped.
        const expected = (2 * Math.PI * j * hop) / n;
        let d = phase[j] - lastPhase[j] - expected;
        d -= 2 * Math.PI * Math.round(d / (2 * Math.PI));
        const omega = (2 * Math.PI * j) / n + d / hop;
        const hz = Math.max(0, (omega * rate) / (2 * Math.PI));
        const warpedOmega = (2 * Math.PI * vtlpFrequency(hz, alpha, rate)) / rate;
        outPhase[k] += warpedOmega * hop;
      }
      warped[2 * k] = m * Math.cos(outPhase[k]);
      warped[2 * k + 1] = k === 0 || k === half ? 0 : m * Math.sin(outPhase[k]);
    }
    lastPhase.set(phase);
    first = false;
    // Hermitian mirror, so the inverse is real.
    for (let k = 1; k < half; k++) {
      warped[2 * (n - k)] = warped[2 * k];
      warped[2 * (n - k) + 1] = -warped[2 * k + 1];
    }
    fft.inverseTransform(back, warped);
    for (let i = 0; i < n; i++) {
      out[start + i] += back[2 * i] * win[i];
      norm[start + i] += win[i] * win[i];
    }
  }
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const w = norm[n + i];
    y[i] = w > 1e-9 ? out[n + i] / w : 0;
  }
  return y;
}
