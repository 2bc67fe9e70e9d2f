// The vocal tract warp as it was at 1e2ca13, before issue 13's speed-ups (Math.atan2/cos/sin per
// bin, buffers made per call): the plain form test/data/augment-equivalence.test.ts and
// bench/augment-cost.ts compare the fast one against. The frequency map and window it shares
// with the fast one are imported.
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
import { sourceFrequency, sqrtHann, WARP_BOUNDARY_HZ } from "../../../host/data/voice-warp";
import { TARGET_RATE } from "../../../host/data/wav/read";

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
  const twoPi = 2 * Math.PI;
  // Source bin (fractional) of each output bin, and the nearest whole one (its phase source).
  const src = new Float64Array(half + 1);
  const nearest = new Int32Array(half + 1);
  for (let k = 0; k <= half; k++) {
    src[k] = Math.min(half, (sourceFrequency((k * rate) / n, alpha, rate) * n) / rate);
    nearest[k] = Math.round(src[k]);
  }

  const padded = new Float64Array(x.length + 2 * n);
  for (let i = 0; i < x.length; i++) padded[n + i] = x[i];
  const out = new Float64Array(padded.length);
  const frame = new Float64Array(n);
  const spec = new Float64Array(2 * n);
  // Two frames' warped spectra share one inverse transform: both outputs are real, so the first
  // goes in the real part and the second in the imaginary part of one Hermitian-paired spectrum.
  const pair = new Float64Array(2 * n);
  const back = new Float64Array(2 * n);
  const mag = new Float64Array(half + 1);
  const phase = new Float64Array(half + 1);
  const lastPhase = new Float64Array(half + 1);
  const outPhase = new Float64Array(half + 1);
  const wr = [new Float64Array(half + 1), new Float64Array(half + 1)];
  const wi = [new Float64Array(half + 1), new Float64Array(half + 1)];
  const identity = alpha === 1;
  // vtlpFrequency's two pieces, and each bin's centre frequency and expected advance per hop.
  const nyquist = rate / 2;
  const boundary = (WARP_BOUNDARY_HZ * Math.min(alpha, 1)) / alpha;
  const upperSlope = (nyquist - WARP_BOUNDARY_HZ * Math.min(alpha, 1)) / (nyquist - boundary);
  const invTwoPi = 1 / twoPi;
  const invHop = 1 / hop;
  const hzPerOmega = rate / twoPi;
  const hopOmegaPerHz = (twoPi / rate) * hop;
  const binOmega = new Float64Array(half + 1);
  const expected = new Float64Array(half + 1);
  const advance = new Float64Array(half + 1);
  for (let j = 0; j <= half; j++) {
    binOmega[j] = (twoPi * j) / n;
    expected[j] = binOmega[j] * hop;
  }
  const frames = Math.floor((padded.length - n) / hop) + 1;

  const inverse = (first: number, count: number): void => {
    const [ar, br] = wr;
    const [ai, bi] = wi;
    const b = count === 2;
    for (let k = 0; k <= half; k++) {
      // Z[k] = A[k] + i B[k]; Z[n - k] = conj(A[k]) + i conj(B[k]).
      pair[2 * k] = ar[k] - (b ? bi[k] : 0);
      pair[2 * k + 1] = ai[k] + (b ? br[k] : 0);
      if (k > 0 && k < half) {
        pair[2 * (n - k)] = ar[k] + (b ? bi[k] : 0);
        pair[2 * (n - k) + 1] = -ai[k] + (b ? br[k] : 0);
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
      phase[k] = Math.atan2(im, re);
    }
    const slot = t & 1;
    const outRe = wr[slot];
    const outIm = wi[slot];
    if (!identity && t > 0) {
      // Phase advance over one hop at the warped instantaneous frequency of each source bin.
      for (let j = 0; j <= half; j++) {
        let d = phase[j] - lastPhase[j] - expected[j];
        d -= twoPi * Math.round(d * invTwoPi);
        const hz = Math.max(0, (binOmega[j] + d * invHop) * hzPerOmega);
        const g = hz <= boundary ? alpha * hz : nyquist - upperSlope * (nyquist - hz);
        advance[j] = g * hopOmegaPerHz;
      }
    }
    for (let k = 0; k <= half; k++) {
      const s = src[k];
      const k0 = Math.floor(s);
      const k1 = Math.min(half, k0 + 1);
      const m = mag[k0] + (s - k0) * (mag[k1] - mag[k0]);
      const j = nearest[k];
      if (identity) outPhase[k] = phase[k];
      else if (t === 0) outPhase[k] = phase[j];
      else {
        const p = outPhase[k] + advance[j];
        // Kept within one turn: cos and sin of a small argument are faster and exact-er.
        outPhase[k] = p - twoPi * Math.round(p * invTwoPi);
      }
      outRe[k] = m * Math.cos(outPhase[k]);
      outIm[k] = k === 0 || k === half ? 0 : m * Math.sin(outPhase[k]);
    }
    lastPhase.set(phase);
    if (slot === 1) inverse(t - 1, 2);
    else if (t === frames - 1) inverse(t, 1);
  }
  // Overlap-add is divided by the summed window power (constant away from the padded ends).
  const norm = new Float64Array(padded.length);
  for (let t = 0; t < frames; t++) for (let i = 0; i < n; i++) norm[t * hop + i] += win[i] * win[i];
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const w = norm[n + i];
    y[i] = w > 1e-9 ? out[n + i] / w : 0;
  }
  return y;
}
