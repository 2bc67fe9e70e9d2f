/**
 * The earshot audio front end: MFCC or log mel filter bank energies (LFBE) of 16 kHz audio.
 *
 * Definition (shared/features/README.md has the same, with the reference implementation's name):
 * for input samples x[n] (floats in [-1, 1]), window length W = windowMs * sampleRate / 1000,
 * hop H = hopMs * sampleRate / 1000, FFT size N, mel filters M:
 *  1. Frame t covers x[tH .. tH + W - 1]; only whole frames are produced
 *     (T = 1 + floor((n - W) / H), 0 when n < W). No pre-emphasis, no dithering, no DC removal.
 *  2. Periodic Hann window: w[i] = 0.5 - 0.5 cos(2 pi i / W), i = 0..W-1.
 *  3. The windowed frame, zero-padded to N, goes through a real FFT; P[k] = |X[k]|^2, k = 0..N/2.
 *  4. Mel energies E[m] = sum_k F[m][k] P[k] with the triangular HTK-mel filterbank of ./mel.ts.
 *  5. L[m] = ln(max(E[m], logFloor)) (natural log).
 *  6. "lfbe": the frame is L[0..M-1]. "mfcc": c[j] = s_j sum_m L[m] cos(pi j (2m + 1) / (2M)),
 *     s_0 = sqrt(1/M), s_j = sqrt(2/M) (orthonormal DCT-II), j = 0..nCoeffs-1.
 * Output is row-major: frame t, coefficient j at data[t * C + j].
 *
 * All tables come from detmath and every sum runs in a fixed order, so the ES5 and Lua builds
 * compute the same bits as Node. `FrontEnd.computeFrame` is the one implementation; batch
 * (`extractFeatures`, `FrontEnd.extract`) and streaming (./stream.ts) both call it.
 */

import { zeros } from "../portable/arrays";
import { cospi, log, sqrt } from "../portable/detmath";
import { coeffCount, type FrontEndConfig, frameCount, hopLength, windowLength } from "./config";
import { RealFft } from "./fft";
import { buildMelFilterbank, type MelFilterbank } from "./mel";
import { validateConfig } from "./validate-config";

/** Features of a whole clip: `frames` x `coeffs` values, row-major in `data`. */
export interface Features {
  frames: number;
  coeffs: number;
  data: number[];
}

/** Read-only indexable samples: number[] on devices, Float32Array on the host. */
export interface SampleSource {
  readonly length: number;
  readonly [index: number]: number;
}

/**
 * What a front end is without its tables: the configuration and the sizes derived from it. A
 * native front end builds its own tables from these (device/targets/c-kernels/frontend-tables.c),
 * so the native device bundles pass this much and carry no table code.
 */
export interface FrontEndShape {
  readonly config: FrontEndConfig;
  readonly windowLength: number;
  readonly hopLength: number;
  readonly coeffs: number;
}

export class FrontEnd implements FrontEndShape {
  readonly config: FrontEndConfig;
  /** Samples per window and per hop. */
  readonly windowLength: number;
  readonly hopLength: number;
  /** Values per output frame. */
  readonly coeffs: number;
  /** After computeFrame: the frame's power spectrum, fftSize/2 + 1 values. */
  readonly power: number[];
  /** After computeFrame: the frame's log mel energies, nMels values. */
  readonly melLog: number[];
  readonly window: number[];
  /** Not readonly: host training swaps in a warped bank for vocal tract augmentation. */
  mel: MelFilterbank;
  private readonly fft: RealFft;
  private readonly frame: number[];
  /** Orthonormal DCT-II rows (nCoeffs x nMels), for "mfcc". */
  private readonly dct: number[];

  /** `alloc`: where the tables and buffers live (a device passes typed arrays). */
  constructor(config: FrontEndConfig, alloc: (n: number) => number[] = zeros) {
    const cfg = validateConfig(config);
    this.config = cfg;
    const w = windowLength(cfg);
    this.windowLength = w;
    this.hopLength = hopLength(cfg);
    this.coeffs = coeffCount(cfg);
    this.window = alloc(w);
    for (let i = 0; i < w; i++) this.window[i] = 0.5 - 0.5 * cospi((2 * i) / w);
    this.fft = new RealFft(cfg.fftSize, alloc);
    this.frame = alloc(cfg.fftSize);
    this.power = alloc(cfg.fftSize / 2 + 1);
    this.mel = buildMelFilterbank(
      cfg.sampleRate,
      cfg.fftSize,
      cfg.nMels,
      cfg.fMin,
      cfg.fMax,
      alloc,
    );
    this.melLog = alloc(cfg.nMels);
    const m = cfg.nMels;
    const c = cfg.kind === "mfcc" ? cfg.nCoeffs : 0;
    this.dct = alloc(c * m);
    for (let j = 0; j < c; j++) {
      const s = j === 0 ? sqrt(1 / m) : sqrt(2 / m);
      for (let i = 0; i < m; i++) this.dct[j * m + i] = s * cospi((j * (2 * i + 1)) / (2 * m));
    }
  }

  /**
   * Features of the window src[srcOffset .. srcOffset + windowLength - 1] into
   * out[outOffset .. outOffset + coeffs - 1]. Allocates nothing; also leaves the frame's power
   * spectrum in `power` and log mel energies in `melLog`.
   */
  computeFrame(src: number[], srcOffset: number, out: number[], outOffset: number): void {
    const w = this.windowLength;
    const frame = this.frame;
    const win = this.window;
    for (let i = 0; i < w; i++) frame[i] = src[srcOffset + i] * win[i];
    const power = this.power;
    this.fft.powerSpectrum(frame, power);
    const mel = this.mel;
    const weights = mel.weights;
    const melLog = this.melLog;
    const floor = this.config.logFloor;
    for (let m = 0; m < mel.nMels; m++) {
      const start = mel.start[m];
      const off = mel.offset[m] - start;
      const end = start + mel.count[m];
      let e = 0;
      for (let k = start; k < end; k++) e += weights[off + k] * power[k];
      melLog[m] = log(e > floor ? e : floor);
    }
    const c = this.coeffs;
    if (this.config.kind === "lfbe") {
      for (let j = 0; j < c; j++) out[outOffset + j] = melLog[j];
      return;
    }
    const dct = this.dct;
    const nm = mel.nMels;
    for (let j = 0; j < c; j++) {
      let acc = 0;
      const row = j * nm;
      for (let i = 0; i < nm; i++) acc += dct[row + i] * melLog[i];
      out[outOffset + j] = acc;
    }
  }

  /** Frames produced from `nSamples` samples. */
  frameCount(nSamples: number): number {
    return frameCount(nSamples, this.config);
  }

  /**
   * Features of a whole clip. Writes into `out` when given (it must hold frames * coeffs values;
   * lets a trainer reuse one buffer), else allocates.
   */
  extract(samples: SampleSource, out?: number[]): Features {
    // computeFrame takes number[] so typescript-to-lua indexes it as an array (1-based in Lua,
    // `#` for its length); a host Float32Array reads the same through it.
    const src = samples as unknown as number[];
    const frames = this.frameCount(src.length);
    const c = this.coeffs;
    const data = out ? out : zeros(frames * c);
    if (data.length < frames * c) {
      throw new Error(`FrontEnd.extract: out holds ${data.length} values, needs ${frames * c}`);
    }
    const h = this.hopLength;
    for (let t = 0; t < frames; t++) this.computeFrame(src, t * h, data, t * c);
    return { frames, coeffs: c, data };
  }
}

/** Batch API: features of `samples` (floats in [-1, 1] at cfg.sampleRate) under `cfg`. */
export function extractFeatures(samples: SampleSource, cfg: FrontEndConfig): Features {
  return new FrontEnd(cfg).extract(samples);
}
