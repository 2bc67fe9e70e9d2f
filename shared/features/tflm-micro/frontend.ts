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
 * Portable subset (the device runtime streams it: device/runtime/stream/feature-stage.ts):
 * integers stay exact in doubles (every intermediate is below 2^53), uint32 / int16 stores wrap
 * by floor division as in the C, powers of two come from a table built at construction, and
 * nothing is allocated per frame. Tables come from tables.ts.
 */
import { zeros } from "../../portable/arrays";
import { pow2 } from "../../portable/detmath";
import type { TflmMicroConfig } from "./config";
import { FixedRfft, s16 } from "./kissfft";
import {
  type Allocator,
  type FilterBankTables,
  filterBankTables,
  logLut,
  pcanGainLut,
  windowWeights,
} from "./tables";

const U32 = 4294967296;

/** Wraps an integer (|x| < 2^53) to uint32, as the C's stores. */
function u32(x: number): number {
  return x - U32 * Math.floor(x / U32);
}

/** Bits needed for x (0 for 0), x < 2^64: TFLM's MostSignificantBit32/64. */
function msb(x: number): number {
  let n = 0;
  let v = x;
  if (v >= U32) {
    v = Math.floor(v / U32);
    n = 32;
  }
  if (v >= 65536) {
    v = Math.floor(v / 65536);
    n += 16;
  }
  if (v >= 256) {
    v = Math.floor(v / 256);
    n += 8;
  }
  if (v >= 16) {
    v = Math.floor(v / 16);
    n += 4;
  }
  if (v >= 4) {
    v = Math.floor(v / 4);
    n += 2;
  }
  if (v >= 2) {
    v = Math.floor(v / 2);
    n += 1;
  }
  return v >= 1 ? n + 1 : n;
}

/** TFLM's Sqrt32/Sqrt64: bitwise integer square root, rounded up when the remainder is large. */
export function tflmSqrt(num: number): number {
  if (num === 0) return 0;
  const wide = num >= U32;
  const topBit = wide ? 63 : 31;
  let n = num;
  let res = 0;
  let maxBit = (wide ? 64 : 32) - msb(num);
  if (maxBit % 2 === 0) maxBit += 1; // | 1
  let bit = pow2(topBit - maxBit);
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
  readonly cfg: TflmMicroConfig;
  /** Samples per frame, new samples per frame, features per frame (the streaming contract). */
  readonly windowLength: number;
  readonly hopLength: number;
  readonly coeffs: number;
  private readonly window: number[];
  private readonly fb: FilterBankTables;
  private readonly pcan: number[];
  private readonly logTable: number[];
  private readonly fft: FixedRfft;
  /** Per-channel noise estimate: the state that carries from frame to frame. */
  private readonly noise: number[];
  private readonly time: number[];
  private readonly spectrum: number[];
  private readonly energy: number[];
  private readonly sig: number[];
  /** 2^i for i = 0..64. */
  private readonly pow: number[];

  /**
   * `alloc(n, wide)`: storage for tables and buffers (default plain arrays); `wide` ones hold
   * values up to 2^32 (energies, noise estimates), the rest fit int32.
   */
  constructor(
    cfg: TflmMicroConfig,
    alloc: (n: number, wide: boolean) => number[] = (n: number) => zeros(n),
  ) {
    this.cfg = cfg;
    this.windowLength = cfg.window;
    this.hopLength = cfg.hop;
    this.coeffs = cfg.channels;
    const narrow: Allocator = (n: number) => alloc(n, false);
    this.window = windowWeights(cfg, narrow);
    this.fb = filterBankTables(cfg, narrow);
    this.pcan = pcanGainLut(cfg, narrow);
    this.logTable = logLut(narrow);
    this.fft = new FixedRfft(cfg.fftSize, narrow);
    this.noise = alloc(cfg.channels, true);
    this.time = narrow(cfg.fftSize);
    this.spectrum = narrow(cfg.fftSize + 2);
    // Bins outside [startIndex, endIndex) stay 0; padded filter widths may read 3 past the end.
    this.energy = alloc(cfg.fftSize / 2 + 4, true);
    this.sig = alloc(cfg.channels, true);
    this.pow = zeros(65);
    for (let i = 0; i <= 64; i++) this.pow[i] = pow2(i);
  }

  /** Clears the noise estimate (a new stream). */
  reset(): void {
    for (let i = 0; i < this.noise.length; i++) this.noise[i] = 0;
  }

  /** Frames in `n` samples: whole windows only. */
  frameCount(n: number): number {
    return n < this.cfg.window ? 0 : 1 + Math.floor((n - this.cfg.window) / this.cfg.hop);
  }

  /**
   * One frame: `samples[offset .. offset + window)` (int16 values) -> `channels` int8 features
   * written to out[outOffset ..]. Updates the noise estimate.
   */
  frame(samples: number[], offset: number, out: number[], outOffset: number): void {
    this.run(samples, offset, 1, out, outOffset);
  }

  /**
   * The streaming form (device FeatureStage): samples are floats in [-1, 1] (int16 / 32768, as
   * the device runtime carries audio), rounded back to int16 first.
   */
  computeFrame(src: number[], srcOffset: number, out: number[], outOffset: number): void {
    this.run(src, srcOffset, 32768, out, outOffset);
  }

  private run(
    samples: number[],
    offset: number,
    scale: number,
    out: number[],
    outOffset: number,
  ): void {
    const c = this.cfg;
    const t = this.time;
    const pow = this.pow;
    const shiftDiv = pow[c.windowShift];
    // Window, then auto-scale to 15 significant bits.
    let maxAbs = 0;
    for (let i = 0; i < c.window; i++) {
      let x = Math.floor(samples[offset + i] * scale + 0.5);
      if (x > 32767) x = 32767;
      else if (x < -32768) x = -32768;
      const v = Math.floor((x * this.window[i]) / shiftDiv);
      const sat = v < -32768 ? -32768 : v > 32767 ? 32767 : v; // saturates, as TFLM's ApplyWindow
      t[i] = sat;
      const a = sat < 0 ? -sat : sat;
      if (a > maxAbs) maxAbs = a;
    }
    let scaleBits = 15 - msb(maxAbs);
    if (scaleBits < 0) scaleBits = 0;
    const up = pow[scaleBits];
    for (let i = 0; i < c.window; i++) t[i] = s16(t[i] * up);
    for (let i = c.window; i < c.fftSize; i++) t[i] = 0;
    const spec = this.spectrum;
    this.fft.forward(t, spec);
    const fb = this.fb;
    const e = this.energy;
    for (let k = fb.startIndex; k < fb.endIndex; k++) {
      const re = spec[2 * k];
      const im = spec[2 * k + 1];
      e[k] = u32(re * re + im * im);
    }
    // Filter bank: channel i accumulates its weights and the previous channel's unweights.
    let wAcc = 0;
    let uAcc = 0;
    const ch = c.channels;
    const sig = this.sig;
    const weights = fb.weights;
    const unweights = fb.unweights;
    const down = pow[scaleBits];
    for (let i = 0; i <= ch; i++) {
      const f0 = fb.frequencyStarts[i];
      const w0 = fb.weightStarts[i];
      const width = fb.widths[i];
      for (let j = 0; j < width; j++) {
        const en = e[f0 + j];
        wAcc += weights[w0 + j] * en;
        uAcc += unweights[w0 + j] * en;
      }
      if (i > 0) sig[i - 1] = u32(Math.floor(tflmSqrt(wAcc) / down));
      wAcc = uAcc;
      uAcc = 0;
    }
    // Spectral subtraction (noise reduction) with the running estimate.
    const one = pow[c.spectralSubtractionBits];
    const smoothUp = pow[c.smoothingBits];
    const noise = this.noise;
    for (let i = 0; i < ch; i++) {
      const s = i % 2 === 0 ? c.evenSmoothing : c.oddSmoothing;
      const scaled = u32(sig[i] * smoothUp);
      noise[i] = u32(Math.floor((scaled * s + noise[i] * (one - s)) / one));
      const est = noise[i] > scaled ? scaled : noise[i];
      const floor = Math.floor((sig[i] * c.minSignalRemaining) / one);
      const sub = Math.floor((scaled - est) / smoothUp);
      sig[i] = sub > floor ? sub : floor;
    }
    // PCAN gain control, then log and int8 scaling.
    const snrDiv = pow[c.pcanGainBits - c.inputCorrectionBits - 12];
    const corr = pow[c.inputCorrectionBits];
    for (let i = 0; i < ch; i++) {
      const gain = u32(this.wideDynamic(noise[i]));
      const snr = u32(Math.floor((sig[i] * gain) / snrDiv));
      const shrunk = snr < 8192 ? Math.floor((snr * snr) / 1048576) : Math.floor(snr / 64) - 64;
      const scaled = u32(u32(shrunk) * corr);
      let lg = 0;
      if (scaled > 1) {
        lg = this.log32(scaled, c.logOutputScale);
        if (lg > 32767) lg = 32767;
      }
      // lg >= 0 and int8Mul > 0: truncation toward zero unless int8Add makes it negative.
      const num = lg * c.int8Mul + c.int8Add;
      const quot = num < 0 ? -Math.floor(-num / c.int8Div) : Math.floor(num / c.int8Div);
      let q = quot + c.int8Zero;
      if (q > 127) q = 127;
      if (q < -128) q = -128;
      out[outOffset + i] = q;
    }
  }

  private wideDynamic(x: number): number {
    const lut = this.pcan;
    if (x <= 2) return lut[x];
    const pow = this.pow;
    const interval = msb(x);
    const b = 4 * interval - 6;
    const shifted = interval < 11 ? x * pow[11 - interval] : Math.floor(x / pow[interval - 11]);
    const frac = shifted - 1024 * Math.floor(shifted / 1024); // & 0x3ff
    let r = Math.floor((lut[b + 2] * frac) / 32);
    r += lut[b + 1] * 32;
    r *= frac;
    r = Math.floor((r + 16384) / 32768);
    r += lut[b];
    return s16(r);
  }

  private log32(x: number, scale: number): number {
    const pow = this.pow;
    const integer = msb(x) - 1;
    let frac = x - pow[integer];
    frac = integer < 16 ? frac * pow[16 - integer] : Math.floor(frac / pow[integer - 16]);
    const seg = Math.floor(frac / 512);
    const c0 = this.logTable[seg];
    const c1 = this.logTable[seg + 1];
    const rel = Math.floor(((c1 - c0) * (frac - 512 * seg)) / 65536);
    const log2 = u32(integer * 65536 + frac + c0 + rel);
    const loge = Math.floor((45426 * log2 + 32768) / 65536);
    return u32(Math.floor((scale * loge + 32768) / 65536));
  }

  /** Features of a whole clip (int16 samples): frames x channels int8 values, row-major. */
  extract(samples: number[]): { frames: number; channels: number; data: number[] } {
    this.reset();
    const frames = this.frameCount(samples.length);
    const data = zeros(frames * this.cfg.channels);
    for (let f = 0; f < frames; f++)
      this.frame(samples, f * this.cfg.hop, data, f * this.cfg.channels);
    return { frames, channels: this.cfg.channels, data };
  }
}
