/**
 * The 16-bit fixed-point real FFT TFLite Micro's Signal library uses (KISS FFT built with
 * FIXED_POINT=16): a complex FFT of N/2 points over the even/odd samples, radix-4 stages that
 * divide by 4 with rounding, then the real-split pass with its own twiddles, halving. Every
 * value is wrapped to int16 where the C stores an int16, so the output is bit-exact with the C.
 * Only sizes N/2 = 4^k are supported (512 for micro_speech; config.ts refuses others).
 * Portable subset: twiddles from detmath's cospi/sinpi, integer wrapping by floor division.
 */
import { zeros } from "../../portable/arrays";
import { cospi, sinpi } from "../../portable/detmath";
import type { Allocator } from "./tables";

const SAMP_MAX = 32767;
const DIV4 = 8191; // floor(SAMP_MAX / 4)
const DIV2 = 16383; // floor(SAMP_MAX / 2)

/** Wraps an integer to int16 (the C's stores). */
export function s16(x: number): number {
  return x - 65536 * Math.floor((x + 32768) / 65536);
}

/** sround(x) = (x + 2^14) >> 15, stored as int16. */
function sround(x: number): number {
  return s16(Math.floor((x + 16384) / 32768));
}

/** sround(x * DIV2) for an int16 x (inside int16: no wrap). */
function half(x: number): number {
  return Math.floor((x * DIV2 + 16384) / 32768);
}

/** kf_cexp's fixed-point value: floor(0.5 + SAMP_MAX * v). */
function q15(v: number): number {
  return Math.floor(0.5 + SAMP_MAX * v);
}

export class FixedRfft {
  readonly nfft: number;
  private readonly ncfft: number;
  private readonly twR: number[];
  private readonly twI: number[];
  private readonly superR: number[];
  private readonly superI: number[];
  private readonly bufR: number[];
  private readonly bufI: number[];

  constructor(nfft: number, alloc: Allocator = zeros) {
    const n = nfft / 2;
    let p = 1;
    while (p < n) p = p * 4;
    if (p !== n) throw new Error(`fixed-point rfft: ${nfft} / 2 is not a power of 4`);
    this.nfft = nfft;
    this.ncfft = n;
    this.twR = alloc(n);
    this.twI = alloc(n);
    // Phase -2 pi i / n (kiss_fft_alloc).
    for (let i = 0; i < n; i++) {
      this.twR[i] = q15(cospi((-2 * i) / n));
      this.twI[i] = q15(sinpi((-2 * i) / n));
    }
    // Phase -pi ((i + 1) / n + 1/2) (kiss_fftr_alloc's super twiddles).
    this.superR = alloc(n / 2);
    this.superI = alloc(n / 2);
    for (let i = 0; i < n / 2; i++) {
      this.superR[i] = q15(cospi(-((i + 1) / n + 0.5)));
      this.superI[i] = q15(sinpi(-((i + 1) / n + 0.5)));
    }
    this.bufR = alloc(n);
    this.bufI = alloc(n);
  }

  /** kf_work: recursive decimation in time, radix 4 at every level. */
  private work(out: number, src: number, fstride: number, m4: number, time: number[]): void {
    const m = m4 / 4;
    if (m === 1) {
      const R = this.bufR;
      const I = this.bufI;
      for (let k = 0; k < 4; k++) {
        const s = src + k * fstride;
        R[out + k] = time[2 * s];
        I[out + k] = time[2 * s + 1];
      }
    } else {
      for (let k = 0; k < 4; k++) this.work(out + k * m, src + k * fstride, fstride * 4, m, time);
    }
    this.bfly4(out, fstride, m);
  }

  /**
   * One radix-4 butterfly pass. Inputs are int16, so C_FIXDIV(x, 4) gives |r| <= 8191 and a
   * twiddle product |s| <= 11585: their roundings and the sums before the last stay inside
   * int16 and need no wrap (fewer calls: Espruino interprets each from source); the outputs
   * can leave int16 and wrap as the C's stores do.
   */
  private bfly4(base: number, fstride: number, m: number): void {
    const R = this.bufR;
    const I = this.bufI;
    const twR = this.twR;
    const twI = this.twI;
    for (let k = 0; k < m; k++) {
      const f0 = base + k;
      const f1 = f0 + m;
      const f2 = f1 + m;
      const f3 = f2 + m;
      // sround(x * DIV4) = (x * 8191 + 2^14) >> 15.
      const r0 = Math.floor((R[f0] * DIV4 + 16384) / 32768);
      const i0 = Math.floor((I[f0] * DIV4 + 16384) / 32768);
      const r1 = Math.floor((R[f1] * DIV4 + 16384) / 32768);
      const i1 = Math.floor((I[f1] * DIV4 + 16384) / 32768);
      const r2 = Math.floor((R[f2] * DIV4 + 16384) / 32768);
      const i2 = Math.floor((I[f2] * DIV4 + 16384) / 32768);
      const r3 = Math.floor((R[f3] * DIV4 + 16384) / 32768);
      const i3 = Math.floor((I[f3] * DIV4 + 16384) / 32768);
      const t1 = k * fstride;
      const t2 = 2 * t1;
      const t3 = 3 * t1;
      const s0r = Math.floor((r1 * twR[t1] - i1 * twI[t1] + 16384) / 32768);
      const s0i = Math.floor((r1 * twI[t1] + i1 * twR[t1] + 16384) / 32768);
      const s1r = Math.floor((r2 * twR[t2] - i2 * twI[t2] + 16384) / 32768);
      const s1i = Math.floor((r2 * twI[t2] + i2 * twR[t2] + 16384) / 32768);
      const s2r = Math.floor((r3 * twR[t3] - i3 * twI[t3] + 16384) / 32768);
      const s2i = Math.floor((r3 * twI[t3] + i3 * twR[t3] + 16384) / 32768);
      const s5r = r0 - s1r;
      const s5i = i0 - s1i;
      const a0r = r0 + s1r;
      const a0i = i0 + s1i;
      const s3r = s0r + s2r;
      const s3i = s0i + s2i;
      const s4r = s0r - s2r;
      const s4i = s0i - s2i;
      R[f2] = s16(a0r - s3r);
      I[f2] = s16(a0i - s3i);
      R[f0] = s16(a0r + s3r);
      I[f0] = s16(a0i + s3i);
      R[f1] = s16(s5r + s4i);
      I[f1] = s16(s5i - s4r);
      R[f3] = s16(s5r - s4i);
      I[f3] = s16(s5i + s4r);
    }
  }

  /**
   * `time`: nfft int16 samples (zero-padded by the caller); `out`: nfft + 2 int16 values,
   * interleaved real/imaginary for bins 0..nfft/2.
   */
  forward(time: number[], out: number[]): void {
    const n = this.ncfft;
    this.work(0, 0, 1, n, time);
    const R = this.bufR;
    const I = this.bufI;
    // |half(x)| <= 16383, so the sums and halved outputs stay inside int16; only the twiddle
    // products (|f2| up to 32767 sqrt 2) and -(-32768) wrap.
    const tdr = half(R[0]);
    const tdi = half(I[0]);
    out[0] = tdr + tdi;
    out[1] = 0;
    out[2 * n] = tdr - tdi;
    out[2 * n + 1] = 0;
    for (let k = 1; k <= n / 2; k++) {
      const pkr = half(R[k]);
      const pki = half(I[k]);
      const nkr = half(R[n - k]);
      const nki = half(s16(-I[n - k]));
      const f1r = pkr + nkr;
      const f1i = pki + nki;
      const f2r = pkr - nkr;
      const f2i = pki - nki;
      const wr = this.superR[k - 1];
      const wi = this.superI[k - 1];
      const twr = sround(f2r * wr - f2i * wi);
      const twi = sround(f2r * wi + f2i * wr);
      out[2 * k] = Math.floor((f1r + twr) / 2);
      out[2 * k + 1] = Math.floor((f1i + twi) / 2);
      out[2 * (n - k)] = Math.floor((f1r - twr) / 2);
      out[2 * (n - k) + 1] = Math.floor((twi - f1i) / 2);
    }
  }
}
