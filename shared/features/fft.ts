/**
 * Power spectrum of a real frame by an iterative radix-2 FFT (portable subset: plain arrays, no
 * allocation after construction, twiddles from detmath).
 *
 * A real sequence x of length N is packed as z[j] = x[2j] + i x[2j+1] (length M = N/2), z is
 * transformed by a complex decimation-in-time FFT, and the N-point spectrum is recovered as
 *   X[k] = E[k] + e^{-2 pi i k / N} O[k],  E[k] = (Z[k] + conj Z[M-k]) / 2,
 *   O[k] = (Z[k] - conj Z[M-k]) / (2i),     k = 0..M, Z[M] = Z[0].
 * `powerSpectrum` writes |X[k]|^2 for k = 0..M (M + 1 values).
 */

import { zeros } from "../portable/arrays";
import { cospi, sinpi } from "../portable/detmath";

export class RealFft {
  readonly size: number;
  private readonly half: number;
  private readonly re: number[];
  private readonly im: number[];
  /** Bit-reversed index of each of the M packed points. */
  private readonly rev: number[];
  /** cos/sin(2 pi j / M), j < M/2: the complex FFT's twiddles. */
  private readonly cosM: number[];
  private readonly sinM: number[];
  /** cos/sin(2 pi k / N), k <= M: the real-spectrum recombination twiddles. */
  private readonly cosN: number[];
  private readonly sinN: number[];

  /** `alloc`: where the tables live (a device passes typed arrays; default plain arrays). */
  constructor(size: number, alloc: (n: number) => number[] = zeros) {
    let bits = 0;
    let p = 1;
    while (p < size) {
      p = p * 2;
      bits++;
    }
    if (size < 4 || p !== size) {
      throw new Error(`RealFft: size ${size} is not a power of two >= 4`);
    }
    const m = size / 2;
    this.size = size;
    this.half = m;
    this.re = alloc(m);
    this.im = alloc(m);
    this.rev = alloc(m);
    const mbits = bits - 1;
    for (let j = 0; j < m; j++) {
      let r = 0;
      let v = j;
      for (let b = 0; b < mbits; b++) {
        r = r * 2 + (v % 2);
        v = Math.floor(v / 2);
      }
      this.rev[j] = r;
    }
    this.cosM = alloc(m / 2);
    this.sinM = alloc(m / 2);
    for (let j = 0; j < m / 2; j++) {
      this.cosM[j] = cospi((2 * j) / m);
      this.sinM[j] = sinpi((2 * j) / m);
    }
    this.cosN = alloc(m + 1);
    this.sinN = alloc(m + 1);
    for (let k = 0; k <= m; k++) {
      this.cosN[k] = cospi((2 * k) / size);
      this.sinN[k] = sinpi((2 * k) / size);
    }
  }

  /** |X[k]|^2 of the real frame x[0..N-1] into power[0..N/2]. Reads x, writes only power. */
  powerSpectrum(x: number[], power: number[]): void {
    const m = this.half;
    const re = this.re;
    const im = this.im;
    const rev = this.rev;
    for (let j = 0; j < m; j++) {
      const r = rev[j];
      re[r] = x[2 * j];
      im[r] = x[2 * j + 1];
    }
    const cosM = this.cosM;
    const sinM = this.sinM;
    for (let len = 2; len <= m; len *= 2) {
      const h = len / 2;
      const step = m / len;
      for (let j = 0; j < h; j++) {
        // w = e^{-2 pi i j / len}
        const wr = cosM[j * step];
        const wi = -sinM[j * step];
        for (let a = j; a < m; a += len) {
          const b = a + h;
          const tr = wr * re[b] - wi * im[b];
          const ti = wr * im[b] + wi * re[b];
          re[b] = re[a] - tr;
          im[b] = im[a] - ti;
          re[a] = re[a] + tr;
          im[a] = im[a] + ti;
        }
      }
    }
    const cosN = this.cosN;
    const sinN = this.sinN;
    for (let k = 0; k <= m; k++) {
      const a = k === m ? 0 : k;
      const b = k === 0 ? 0 : m - k;
      const ar = re[a];
      const ai = im[a];
      const br = re[b];
      const bi = -im[b];
      const er = (ar + br) * 0.5;
      const ei = (ai + bi) * 0.5;
      const or = (ai - bi) * 0.5;
      const oi = (br - ar) * 0.5;
      const c = cosN[k];
      const s = sinN[k];
      const xr = er + c * or + s * oi;
      const xi = ei + c * oi - s * or;
      power[k] = xr * xr + xi * xi;
    }
  }
}
