/**
 * Linear convolution through the FFT, for applying room impulse responses (thousands of taps)
 * to clips: a direct 16,000 x 4,800-tap convolution is ~77M multiply-adds, the FFT route a few
 * hundred thousand. Both inputs are real, so they share one complex transform (x in the real
 * part, h in the imaginary part) and are told apart by the spectrum's symmetry: two transforms
 * per convolution instead of three, and the inverse, whose output is real, runs at half size.
 * With the native addon built, the same steps run in C (host/native/c/convolve.c: fft.js
 * transcribed, this plan's tables passed in), giving the same float32 output.
 */
import FFT from "fft.js";
import { nativeAddon } from "../native/load";
import { type FftjsPlanTables, fftjsPlanTables } from "./fftjs-plan";

interface Plan {
  fft: FFT;
  /** n/2-point plan for the inverse: a real signal of n points is its even and odd samples. */
  halfFft: FFT;
  /** cos and sin of 2 pi k / n, k < n/2 (the odd samples' twiddles). */
  cos: Float64Array;
  sin: Float64Array;
  a: Float64Array;
  b: Float64Array;
  /** The two fft.js plans' tables as typed arrays, for the C path (made at its first use). */
  native: NativePlan | null;
}

interface NativePlan {
  full: FftjsPlanTables;
  half: FftjsPlanTables;
}

function nativePlan(p: Plan): NativePlan {
  if (p.native === null)
    p.native = { full: fftjsPlanTables(p.fft), half: fftjsPlanTables(p.halfFft) };
  return p.native;
}

const plans = new Map<number, Plan>();
/** Cached fft.js plans for `n` points with scratch complex arrays and twiddles. */
function plan(n: number): Plan {
  let p = plans.get(n);
  if (!p) {
    const h = n / 2;
    p = {
      fft: new FFT(n),
      halfFft: new FFT(h),
      cos: Float64Array.from({ length: h }, (_, k) => Math.cos((2 * Math.PI * k) / n)),
      sin: Float64Array.from({ length: h }, (_, k) => Math.sin((2 * Math.PI * k) / n)),
      a: new Float64Array(2 * n),
      b: new Float64Array(2 * n),
      native: null,
    };
    plans.set(n, p);
  }
  return p;
}

/**
 * Full linear convolution of `x` and `h`: length x.length + h.length - 1. `native` false: the TS
 * steps even where the addon is built (tests compare the two).
 */
export function convolve(
  x: Float32Array,
  h: Float32Array,
  opts: { native?: boolean } = {},
): Float32Array {
  const outLen = x.length + h.length - 1;
  let n = 2;
  while (n < outLen) n <<= 1;
  const p = plan(n);
  const addon = opts.native === false || n < 8 ? null : nativeAddon();
  if (addon !== null) {
    const np = nativePlan(p);
    const y = new Float32Array(outLen);
    addon.convolveReal(
      x,
      h,
      y,
      np.full.table,
      np.full.bitrev,
      np.full.width,
      np.half.table,
      np.half.bitrev,
      np.half.width,
      p.cos,
      p.sin,
    );
    return y;
  }
  const { fft, halfFft, cos, sin, a, b } = p;
  a.fill(0);
  for (let i = 0; i < x.length; i++) a[2 * i] = x[i];
  for (let i = 0; i < h.length; i++) a[2 * i + 1] = h[i];
  fft.transform(b, a);
  // Z = X + iH with X, H Hermitian: X[k] = (Z[k] + conj Z[n-k]) / 2, H[k] = (Z[k] - conj Z[n-k]) / 2i.
  // Y = X H is Hermitian too, so its inverse is real.
  for (let k = 0; k < n; k++) {
    const m = (n - k) & (n - 1);
    const zr = b[2 * k];
    const zi = b[2 * k + 1];
    const wr = b[2 * m];
    const wi = -b[2 * m + 1];
    const xr = 0.5 * (zr + wr);
    const xi = 0.5 * (zi + wi);
    const hr = 0.5 * (zi - wi);
    const hi = -0.5 * (zr - wr);
    a[2 * k] = xr * hr - xi * hi;
    a[2 * k + 1] = xr * hi + xi * hr;
  }
  // The real inverse in an n/2-point transform: y[2m] + i y[2m+1] is the inverse of
  // E[k] + i O[k], with E[k] = (Y[k] + Y[k + n/2]) / 2 and O[k] = (Y[k] - Y[k + n/2]) e^{2 pi i k/n} / 2
  // (the even and odd samples' spectra). Half the work of a full complex inverse.
  const half = n / 2;
  for (let k = 0; k < half; k++) {
    const pr = a[2 * k];
    const pi = a[2 * k + 1];
    const qr = a[2 * (k + half)];
    const qi = a[2 * (k + half) + 1];
    const er = 0.5 * (pr + qr);
    const ei = 0.5 * (pi + qi);
    const dr = 0.5 * (pr - qr);
    const di = 0.5 * (pi - qi);
    const or = dr * cos[k] - di * sin[k];
    const oi = dr * sin[k] + di * cos[k];
    b[2 * k] = er - oi;
    b[2 * k + 1] = ei + or;
  }
  halfFft.inverseTransform(a.subarray(0, n), b.subarray(0, n));
  const y = new Float32Array(outLen);
  // a holds y[2m] + i y[2m + 1] at m: the samples in order.
  for (let i = 0; i < outLen; i++) y[i] = a[i];
  return y;
}
