/**
 * The 16-bit fixed-point real FFT TFLite Micro's Signal library uses (KISS FFT built with
 * FIXED_POINT=16): a complex FFT of N/2 points over the even/odd samples, radix-4 stages that
 * divide by 4 with rounding, then the real-split pass with its own twiddles, halving. Every
 * value is wrapped to int16 where the C stores an int16, so the output is bit-exact with the C.
 * Only sizes N/2 = 4^k are supported (512 for micro_speech); others are refused.
 */
const SAMP_MAX = 32767;

function s16(x: number): number {
  return ((x + 32768) & 0xffff) - 32768;
}

/** sround(x) = (x + 2^14) >> 15, stored as int16. */
function sround(x: number): number {
  return s16(Math.floor((x + 16384) / 32768));
}

function cexp(phase: number): [number, number] {
  return [
    Math.floor(0.5 + SAMP_MAX * Math.cos(phase)),
    Math.floor(0.5 + SAMP_MAX * Math.sin(phase)),
  ];
}

export class FixedRfft {
  private readonly ncfft: number;
  private readonly twR: number[] = [];
  private readonly twI: number[] = [];
  private readonly superR: number[] = [];
  private readonly superI: number[] = [];
  private readonly bufR: number[];
  private readonly bufI: number[];

  constructor(readonly nfft: number) {
    const n = nfft / 2;
    let p = 1;
    while (p < n) {
      p *= 4;
    }
    if (p !== n) throw new Error(`fixed-point rfft: ${nfft} / 2 is not a power of 4`);
    this.ncfft = n;
    const pi = Math.PI;
    for (let i = 0; i < n; i++) {
      const [r, im] = cexp((-2 * pi * i) / n);
      this.twR.push(r);
      this.twI.push(im);
    }
    for (let i = 0; i < n / 2; i++) {
      const [r, im] = cexp(-pi * ((i + 1) / n + 0.5));
      this.superR.push(r);
      this.superI.push(im);
    }
    this.bufR = new Array<number>(n).fill(0);
    this.bufI = new Array<number>(n).fill(0);
  }

  /** kf_work: recursive decimation in time, radix 4 at every level. */
  private work(out: number, src: number, fstride: number, level: number, time: number[]): void {
    const m = this.ncfft / 4 ** (level + 1);
    const R = this.bufR;
    const I = this.bufI;
    if (m === 1) {
      for (let k = 0; k < 4; k++) {
        const s = src + k * fstride;
        R[out + k] = time[2 * s];
        I[out + k] = time[2 * s + 1];
      }
    } else {
      for (let k = 0; k < 4; k++)
        this.work(out + k * m, src + k * fstride, fstride * 4, level + 1, time);
    }
    this.bfly4(out, fstride, m);
  }

  private bfly4(base: number, fstride: number, m: number): void {
    const R = this.bufR;
    const I = this.bufI;
    const div4 = Math.floor(SAMP_MAX / 4);
    for (let k = 0; k < m; k++) {
      const f0 = base + k;
      const f1 = f0 + m;
      const f2 = f0 + 2 * m;
      const f3 = f0 + 3 * m;
      for (const f of [f0, f1, f2, f3]) {
        R[f] = sround(R[f] * div4);
        I[f] = sround(I[f] * div4);
      }
      const t1 = k * fstride;
      const t2 = 2 * k * fstride;
      const t3 = 3 * k * fstride;
      const s0r = sround(R[f1] * this.twR[t1] - I[f1] * this.twI[t1]);
      const s0i = sround(R[f1] * this.twI[t1] + I[f1] * this.twR[t1]);
      const s1r = sround(R[f2] * this.twR[t2] - I[f2] * this.twI[t2]);
      const s1i = sround(R[f2] * this.twI[t2] + I[f2] * this.twR[t2]);
      const s2r = sround(R[f3] * this.twR[t3] - I[f3] * this.twI[t3]);
      const s2i = sround(R[f3] * this.twI[t3] + I[f3] * this.twR[t3]);
      const s5r = s16(R[f0] - s1r);
      const s5i = s16(I[f0] - s1i);
      R[f0] = s16(R[f0] + s1r);
      I[f0] = s16(I[f0] + s1i);
      const s3r = s16(s0r + s2r);
      const s3i = s16(s0i + s2i);
      const s4r = s16(s0r - s2r);
      const s4i = s16(s0i - s2i);
      R[f2] = s16(R[f0] - s3r);
      I[f2] = s16(I[f0] - s3i);
      R[f0] = s16(R[f0] + s3r);
      I[f0] = s16(I[f0] + s3i);
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
    this.work(0, 0, 1, 0, time);
    const n = this.ncfft;
    const R = this.bufR;
    const I = this.bufI;
    const div2 = Math.floor(SAMP_MAX / 2);
    const tdr = sround(R[0] * div2);
    const tdi = sround(I[0] * div2);
    out[0] = s16(tdr + tdi);
    out[1] = 0;
    out[2 * n] = s16(tdr - tdi);
    out[2 * n + 1] = 0;
    for (let k = 1; k <= n / 2; k++) {
      const pkr = sround(R[k] * div2);
      const pki = sround(I[k] * div2);
      const nkr = sround(R[n - k] * div2);
      const nki = sround(s16(-I[n - k]) * div2);
      const f1r = s16(pkr + nkr);
      const f1i = s16(pki + nki);
      const f2r = s16(pkr - nkr);
      const f2i = s16(pki - nki);
      const wr = this.superR[k - 1];
      const wi = this.superI[k - 1];
      const twr = sround(f2r * wr - f2i * wi);
      const twi = sround(f2r * wi + f2i * wr);
      out[2 * k] = s16((f1r + twr) >> 1);
      out[2 * k + 1] = s16((f1i + twi) >> 1);
      out[2 * (n - k)] = s16((f1r - twr) >> 1);
      out[2 * (n - k) + 1] = s16((twi - f1i) >> 1);
    }
  }
}
