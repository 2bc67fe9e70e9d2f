/**
 * Front-end configuration: a plain, serializable object of numbers and strings (the device model
 * file embeds it), named presets from the seed papers and frame arithmetic (validation:
 * ./validate-config.ts).
 * The definition of the features themselves is in ./README.md and ./frontend.ts.
 */

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
export const MFCC_30_10_40: FrontEndConfig = /* @__PURE__ */ preset("mfcc", 30, 40, 40, 4000);
/** Seed 000 NAS variant: 20 MFCCs from the same 40 filters. */
export const MFCC_30_10_20: FrontEndConfig = /* @__PURE__ */ preset("mfcc", 30, 40, 20, 4000);
/** Seed 000 NAS variant: 10 MFCCs from the same 40 filters. */
export const MFCC_30_10_10: FrontEndConfig = /* @__PURE__ */ preset("mfcc", 30, 40, 10, 4000);
/** Seed 002 streaming FFN input: 25 ms / 10 ms, 20 log mel filter bank energies 20-8000 Hz. */
export const LFBE_25_10_20: FrontEndConfig = /* @__PURE__ */ preset("lfbe", 25, 20, 20, 8000);

/** Presets by name, for CLIs and model files. (The presets are marked pure: device bundles that read none drop them.) */
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
