/**
 * TFLite Micro's micro_speech front end, stage by stage as its audio_preprocessor models run
 * the Signal ops on each 30 ms frame of 16-bit samples:
 *
 *   window (x * hann >> 12, saturated) -> fft_auto_scale (shift left to use 15 bits) -> rfft (KISS FFT,
 *   16-bit fixed point) -> energy (re^2 + im^2, bins 5..240 kept) -> filter_bank (40 channels,
 *   weights and unweights in Q12, 64-bit accumulators) -> square root (TFLM's integer sqrt with
 *   rounding) >> auto-scale bits -> spectral subtraction (per-channel noise estimate, state kept
 *   across frames) -> PCAN gain control -> log (Q16 log2 with a 129-entry correction table,
 *   scaled by 64) -> int8 = clamp((v * 256 + 333) / 666 - 128).
 *
 * Integers stay exact in doubles (every intermediate is below 2^53); uint32 stores wrap as in
 * the C. Tables come from tables.ts, computed as TFLM computes them.
 */
import type { TflmMicroConfig } from "./config";
import { FixedRfft } from "./kissfft";
import {
  type FilterBankTables,
  filterBankTables,
  logLut,
  pcanGainLut,
  windowWeights,
} from "./tables";

const U32 = 4294967296;

function u32(x: number): number {
  return ((x % U32) + U32) % U32;
}

/** Bits needed for x (0 for 0): TFLM's MostSignificantBit32/64. */
function msb(x: number): number {
  let n = 0;
  let v = x;
  while (v >= 1) {
    v = Math.floor(v / 2);
    n++;
  }
  return n;
}

/** TFLM's Sqrt32/Sqrt64: bitwise integer square root, rounded up when the remainder is large. */
export function tflmSqrt(num: number): number {
  if (num === 0) return 0;
  const wide = num >= U32;
  const topBit = wide ? 63 : 31;
  let n = num;
  let res = 0;
  const maxBit = ((wide ? 64 : 32) - msb(num)) | 1;
  let bit = 2 ** (topBit - maxBit);
  let iterations = Math.floor((topBit - maxBit) / 2) + 1;
  while (iterations-- > 0) {
    if (n >= res + bit) {
      n -= res + bit;
      res = Math.floor(res / 2) + bit;
    } else {
      res = Math.floor(res / 2);
    }
    bit = Math.floor(bit / 4);
  }
  if (n > res && res !== (wide ? 0xffffffff : 0xffff)) res++;
  return res;
}

export class TflmMicroFrontEnd {
  private readonly window: number[];
  private readonly fb: FilterBankTables;
  private readonly pcan: number[];
  private readonly logTable: number[];
  private readonly fft: FixedRfft;
  private readonly noise: number[];
  private readonly time: number[];
  private readonly spectrum: number[];
  private readonly energy: number[];

  constructor(readonly cfg: TflmMicroConfig) {
    this.window = windowWeights(cfg);
    this.fb = filterBankTables(cfg);
    this.pcan = pcanGainLut(cfg);
    this.logTable = logLut();
    this.fft = new FixedRfft(cfg.fftSize);
    this.noise = new Array<number>(cfg.channels).fill(0);
    this.time = new Array<number>(cfg.fftSize).fill(0);
    this.spectrum = new Array<number>(cfg.fftSize + 2).fill(0);
    this.energy = new Array<number>(cfg.fftSize / 2 + 1).fill(0);
  }

  /** Clears the noise estimate (a new stream). */
  reset(): void {
    this.noise.fill(0);
  }

  /** Frames in `n` samples: whole windows only. */
  frameCount(n: number): number {
    return n < this.cfg.window ? 0 : 1 + Math.floor((n - this.cfg.window) / this.cfg.hop);
  }

  /**
   * One frame: `samples[offset .. offset + window)` (int16 values) -> `channels` int8 features
   * written to out[outOffset ..]. Updates the noise estimate.
   */
  frame(samples: ArrayLike<number>, offset: number, out: number[], outOffset: number): void {
    const c = this.cfg;
    const t = this.time;
    // Window, then auto-scale to 15 significant bits.
    let maxAbs = 0;
    for (let i = 0; i < c.window; i++) {
      const v = (samples[offset + i] * this.window[i]) >> c.windowShift;
      t[i] = v < -32768 ? -32768 : v > 32767 ? 32767 : v; // saturates, as TFLM's ApplyWindow
      const a = t[i] < 0 ? -t[i] : t[i];
      if (a > maxAbs) maxAbs = a;
    }
    let scaleBits = 15 - msb(maxAbs);
    if (scaleBits < 0) scaleBits = 0;
    for (let i = 0; i < c.window; i++) t[i] = ((t[i] * 2 ** scaleBits + 32768) & 0xffff) - 32768;
    for (let i = c.window; i < c.fftSize; i++) t[i] = 0;
    this.fft.forward(t, this.spectrum);
    const fb = this.fb;
    const e = this.energy;
    e.fill(0);
    for (let k = fb.startIndex; k < fb.endIndex; k++) {
      const re = this.spectrum[2 * k];
      const im = this.spectrum[2 * k + 1];
      e[k] = u32(re * re + im * im);
    }
    // Filter bank: channel i accumulates its weights and the previous channel's unweights.
    let wAcc = 0;
    let uAcc = 0;
    const ch = c.channels;
    const sig = new Array<number>(ch);
    for (let i = 0; i <= ch; i++) {
      const f0 = fb.frequencyStarts[i];
      const w0 = fb.weightStarts[i];
      for (let j = 0; j < fb.widths[i]; j++) {
        wAcc += fb.weights[w0 + j] * e[f0 + j];
        uAcc += fb.unweights[w0 + j] * e[f0 + j];
      }
      if (i > 0) sig[i - 1] = u32(Math.floor(tflmSqrt(wAcc) / 2 ** scaleBits));
      wAcc = uAcc;
      uAcc = 0;
    }
    // Spectral subtraction (noise reduction) with the running estimate.
    const one = 2 ** c.spectralSubtractionBits;
    const up = 2 ** c.smoothingBits;
    for (let i = 0; i < ch; i++) {
      const s = i % 2 === 0 ? c.evenSmoothing : c.oddSmoothing;
      const scaled = u32(sig[i] * up);
      this.noise[i] = u32(Math.floor((scaled * s + this.noise[i] * (one - s)) / one));
      const est = this.noise[i] > scaled ? scaled : this.noise[i];
      const floor = Math.floor((sig[i] * c.minSignalRemaining) / one);
      const sub = Math.floor((scaled - est) / up);
      sig[i] = sub > floor ? sub : floor;
    }
    // PCAN gain control, then log and int8 scaling.
    const snrShift = c.pcanGainBits - c.inputCorrectionBits - 12;
    for (let i = 0; i < ch; i++) {
      const gain = u32(this.wideDynamic(this.noise[i]));
      const snr = u32(Math.floor((sig[i] * gain) / 2 ** snrShift));
      const shrunk = snr < 2 << 12 ? Math.floor((snr * snr) / 2 ** 20) : Math.floor(snr / 64) - 64;
      const scaled = u32(u32(shrunk) * 2 ** c.inputCorrectionBits);
      let lg = 0;
      if (scaled > 1) {
        lg = this.log32(scaled, c.logOutputScale);
        if (lg > 32767) lg = 32767;
      }
      let q = Math.trunc((lg * c.int8Mul + c.int8Add) / c.int8Div) + c.int8Zero;
      if (q > 127) q = 127;
      if (q < -128) q = -128;
      out[outOffset + i] = q;
    }
  }

  private wideDynamic(x: number): number {
    const lut = this.pcan;
    if (x <= 2) return lut[x];
    const interval = msb(x);
    const b = 4 * interval - 6;
    const frac =
      (interval < 11 ? x * 2 ** (11 - interval) : Math.floor(x / 2 ** (interval - 11))) & 0x3ff;
    let r = Math.floor((lut[b + 2] * frac) / 32);
    r += lut[b + 1] * 32;
    r *= frac;
    r = Math.floor((r + 16384) / 32768);
    r += lut[b];
    return ((r + 32768) & 0xffff) - 32768;
  }

  private log32(x: number, scale: number): number {
    const integer = msb(x) - 1;
    let frac = x - 2 ** integer;
    frac = integer < 16 ? frac * 2 ** (16 - integer) : Math.floor(frac / 2 ** (integer - 16));
    const seg = Math.floor(frac / 512);
    const c0 = this.logTable[seg];
    const c1 = this.logTable[seg + 1];
    const rel = Math.floor(((c1 - c0) * (frac - 512 * seg)) / 65536);
    const log2 = u32(integer * 65536 + frac + c0 + rel);
    const loge = Math.floor((45426 * log2 + 32768) / 65536);
    return u32(Math.floor((scale * loge + 32768) / 65536));
  }

  /** Features of a whole clip (int16 samples): frames x channels int8 values, row-major. */
  extract(samples: ArrayLike<number>): { frames: number; channels: number; data: number[] } {
    this.reset();
    const frames = this.frameCount(samples.length);
    const data = new Array<number>(frames * this.cfg.channels);
    for (let f = 0; f < frames; f++)
      this.frame(samples, f * this.cfg.hop, data, f * this.cfg.channels);
    return { frames, channels: this.cfg.channels, data };
  }
}
