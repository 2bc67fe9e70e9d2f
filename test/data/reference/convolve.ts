// Reference copy of host/data/convolve.ts as of 1e2ca13, before issue 13's speed-ups: the oracle that
// test/data/augment-equivalence.test.ts and bench/augment-cost.ts compare the fast versions against.
/**
 * Linear convolution through the FFT, for applying room impulse responses (thousands of taps)
 * to clips: a direct 16,000 x 4,800-tap convolution is ~77M multiply-adds, the FFT route a few
 * hundred thousand. Both inputs are real, so they share one complex transform (x in the real
 * part, h in the imaginary part) and are told apart by the spectrum's symmetry: two transforms
 * per convolution instead of three.
 */
import FFT from "fft.js";

const plans = new Map<number, { fft: FFT; a: Float64Array; b: Float64Array }>();
/** A cached fft.js plan of `n` points with two scratch complex arrays. */
function plan(n: number): { fft: FFT; a: Float64Array; b: Float64Array } {
  let p = plans.get(n);
  if (!p) {
    p = { fft: new FFT(n), a: new Float64Array(2 * n), b: new Float64Array(2 * n) };
    plans.set(n, p);
  }
  return p;
}

/** Full linear convolution of `x` and `h`: length x.length + h.length - 1. */
export function convolve(x: Float32Array, h: Float32Array): Float32Array {
  const outLen = x.length + h.length - 1;
  let n = 2;
  while (n < outLen) n <<= 1;
  const { fft, a, b } = plan(n);
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
  fft.inverseTransform(b, a);
  const y = new Float32Array(outLen);
  for (let i = 0; i < outLen; i++) y[i] = b[2 * i];
  return y;
}
