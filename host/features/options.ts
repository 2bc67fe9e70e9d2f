import {
  type FrontEndConfig,
  FrontEndConfigError,
  LFBE_25_10_20,
  MFCC_30_10_40,
  PRESETS,
  validateConfig,
} from "../../shared/features";

/** Front-end flags shared by `earshot features` and `earshot features plot`. */
export interface FrontEndOptions {
  preset?: string;
  kind?: string;
  nMfcc?: number;
  windowMs?: number;
  hopMs?: number;
  fftSize?: number;
  nMels?: number;
  fMin?: number;
  fMax?: number;
  logFloor?: number;
}

/**
 * The config the flags describe: a preset (--preset, else the default for --kind: MFCC_30_10_40
 * or LFBE_25_10_20) with each given flag overriding its field. Throws FrontEndConfigError
 * (printed as one line) when the result is not a valid front end.
 */
export function configFromOptions(o: FrontEndOptions): FrontEndConfig {
  let cfg: FrontEndConfig;
  if (o.preset !== undefined) {
    const p = PRESETS[o.preset];
    if (!p) {
      throw new FrontEndConfigError(
        "--preset",
        `'${o.preset}' is unknown (choose from ${Object.keys(PRESETS).join(", ")})`,
      );
    }
    cfg = { ...p };
  } else {
    cfg = { ...(o.kind === "lfbe" ? LFBE_25_10_20 : MFCC_30_10_40) };
  }
  if (o.kind !== undefined) cfg.kind = o.kind as FrontEndConfig["kind"];
  if (o.windowMs !== undefined) cfg.windowMs = o.windowMs;
  if (o.hopMs !== undefined) cfg.hopMs = o.hopMs;
  if (o.fftSize !== undefined) cfg.fftSize = o.fftSize;
  if (o.fMin !== undefined) cfg.fMin = o.fMin;
  if (o.fMax !== undefined) cfg.fMax = o.fMax;
  if (o.logFloor !== undefined) cfg.logFloor = o.logFloor;
  if (o.nMels !== undefined) {
    cfg.nMels = o.nMels;
    // Fewer filters than the preset's MFCC count: keep as many MFCCs as there are filters.
    if (cfg.kind === "lfbe" || cfg.nCoeffs > o.nMels) cfg.nCoeffs = o.nMels;
  }
  if (cfg.kind === "lfbe") cfg.nCoeffs = cfg.nMels;
  if (o.nMfcc !== undefined) cfg.nCoeffs = o.nMfcc;
  return validateConfig(cfg);
}
