/**
 * Front-end configuration: a plain, serializable object of numbers and strings (the device model
 * file embeds it), named presets from the seed papers, validation and frame arithmetic.
 * The definition of the features themselves is in ./README.md and ./frontend.ts.
 */

import { FrontEndConfigError } from "./errors";
import { emptyMelFilter } from "./mel";

/** "mfcc": DCT-II of log mel energies; "lfbe": the log mel energies themselves. */
export type FeatureKind = "mfcc" | "lfbe";

export interface FrontEndConfig {
  kind: FeatureKind;
  /** Input rate in Hz (earshot converts every clip to 16000). */
  sampleRate: number;
  /** Analysis window length in ms; windowMs * sampleRate / 1000 must be a whole sample count. */
  windowMs: number;
  /** Frame shift in ms; hopMs * sampleRate / 1000 must be a whole sample count. */
  hopMs: number;
  /** Real FFT size: a power of two >= the window length (the frame is zero-padded). */
  fftSize: number;
  /** Number of triangular mel filters. */
  nMels: number;
  /** Lower edge of the first mel filter, Hz. */
  fMin: number;
  /** Upper edge of the last mel filter, Hz (<= sampleRate / 2). */
  fMax: number;
  /** Coefficients per frame: MFCCs kept (1..nMels) for "mfcc"; must equal nMels for "lfbe". */
  nCoeffs: number;
  /** Mel energies are clamped to at least this (> 0) before the log. */
  logFloor: number;
}

function preset(
  kind: FeatureKind,
  windowMs: number,
  nMels: number,
  nCoeffs: number,
  fMax: number,
): FrontEndConfig {
  return {
    kind,
    sampleRate: 16000,
    windowMs,
    hopMs: 10,
    fftSize: 512,
    nMels,
    fMin: 20,
    fMax,
    nCoeffs,
    // 1e-10 as a division: Espruino parses decimal literals to a neighbouring double.
    logFloor: 1 / 10000000000,
  };
}

/** Seed 000 res8 input: 30 ms / 10 ms, 40 mel filters 20-4000 Hz, 40 MFCCs (98 x 40 per 1 s). */
export const MFCC_30_10_40: FrontEndConfig = preset("mfcc", 30, 40, 40, 4000);
/** Seed 000 NAS variant: 20 MFCCs from the same 40 filters. */
export const MFCC_30_10_20: FrontEndConfig = preset("mfcc", 30, 40, 20, 4000);
/** Seed 000 NAS variant: 10 MFCCs from the same 40 filters. */
export const MFCC_30_10_10: FrontEndConfig = preset("mfcc", 30, 40, 10, 4000);
/** Seed 002 streaming FFN input: 25 ms / 10 ms, 20 log mel filter bank energies 20-8000 Hz. */
export const LFBE_25_10_20: FrontEndConfig = preset("lfbe", 25, 20, 20, 8000);

/** Presets by name, for CLIs and model files. */
export const PRESETS: { [name: string]: FrontEndConfig } = {
  MFCC_30_10_40,
  MFCC_30_10_20,
  MFCC_30_10_10,
  LFBE_25_10_20,
};

/** Samples per analysis window. */
export function windowLength(cfg: FrontEndConfig): number {
  return (cfg.windowMs * cfg.sampleRate) / 1000;
}

/** Samples per frame shift. */
export function hopLength(cfg: FrontEndConfig): number {
  return (cfg.hopMs * cfg.sampleRate) / 1000;
}

/** Values per output frame. */
export function coeffCount(cfg: FrontEndConfig): number {
  return cfg.kind === "mfcc" ? cfg.nCoeffs : cfg.nMels;
}

/**
 * Frames produced from `nSamples` samples: only whole windows count, so
 * 1 + floor((nSamples - window) / hop), or 0 when shorter than one window.
 * MFCC_30_10_40 on 16000 samples gives 98.
 */
export function frameCount(nSamples: number, cfg: FrontEndConfig): number {
  const w = windowLength(cfg);
  if (nSamples < w) return 0;
  return 1 + Math.floor((nSamples - w) / hopLength(cfg));
}

function isWhole(x: number): boolean {
  return typeof x === "number" && x === Math.floor(x) && x > -Infinity && x < Infinity;
}

function isPositive(x: number): boolean {
  return typeof x === "number" && x > 0 && x < Infinity;
}

function fail(field: string, why: string): never {
  throw new FrontEndConfigError(field, why);
}

/**
 * Checks every field of `cfg` and returns it; throws FrontEndConfigError naming the first bad
 * field and why. Also rejects mel filters too narrow to cover any FFT bin.
 */
export function validateConfig(cfg: FrontEndConfig): FrontEndConfig {
  if (cfg === null || typeof cfg !== "object") fail("config", "must be an object");
  if (cfg.kind !== "mfcc" && cfg.kind !== "lfbe") fail("kind", 'must be "mfcc" or "lfbe"');
  if (!isWhole(cfg.sampleRate) || cfg.sampleRate < 1000 || cfg.sampleRate > 192000) {
    fail("sampleRate", "must be a whole number of Hz in 1000..192000");
  }
  if (!isPositive(cfg.windowMs)) fail("windowMs", "must be a positive number");
  if (!isPositive(cfg.hopMs)) fail("hopMs", "must be a positive number");
  const w = windowLength(cfg);
  const h = hopLength(cfg);
  if (!isWhole(w)) fail("windowMs", `${cfg.windowMs} ms is not a whole number of samples`);
  if (!isWhole(h)) fail("hopMs", `${cfg.hopMs} ms is not a whole number of samples`);
  if (h > w) fail("hopMs", `hop (${h} samples) must not exceed the window (${w} samples)`);
  const n = cfg.fftSize;
  if (!isWhole(n) || n < 2 || n > 65536) fail("fftSize", "must be a power of two in 2..65536");
  let p = 1;
  while (p < n) p = p * 2;
  if (p !== n) fail("fftSize", `${n} is not a power of two`);
  if (n < w) fail("fftSize", `${n} is smaller than the window (${w} samples)`);
  if (!isWhole(cfg.nMels) || cfg.nMels < 1 || cfg.nMels > 512) {
    fail("nMels", "must be a whole number in 1..512");
  }
  if (typeof cfg.fMin !== "number" || !(cfg.fMin >= 0)) fail("fMin", "must be >= 0 Hz");
  if (typeof cfg.fMax !== "number" || !(cfg.fMax <= cfg.sampleRate / 2)) {
    fail("fMax", `must be <= the Nyquist frequency (${cfg.sampleRate / 2} Hz)`);
  }
  if (!(cfg.fMin < cfg.fMax)) fail("fMax", `must be above fMin (${cfg.fMin} Hz)`);
  if (!isWhole(cfg.nCoeffs) || cfg.nCoeffs < 1) fail("nCoeffs", "must be a whole number >= 1");
  if (cfg.kind === "mfcc" && cfg.nCoeffs > cfg.nMels) {
    fail("nCoeffs", `${cfg.nCoeffs} MFCCs cannot come from ${cfg.nMels} mel filters`);
  }
  if (cfg.kind === "lfbe" && cfg.nCoeffs !== cfg.nMels) {
    fail("nCoeffs", `must equal nMels (${cfg.nMels}) for "lfbe"`);
  }
  if (!isPositive(cfg.logFloor)) fail("logFloor", "must be a positive number");
  const empty = emptyMelFilter(cfg.sampleRate, n, cfg.nMels, cfg.fMin, cfg.fMax);
  if (empty >= 0) {
    fail("nMels", `mel filter ${empty} covers no FFT bin; use fewer filters or a larger fftSize`);
  }
  return cfg;
}
