/**
 * Front-end configuration validation: every field of a FrontEndConfig, with the first bad field
 * named. Its own module so the device bundle can take the cheap bounds of
 * device/targets/es5/trusting/validate-config.ts instead (the host validated the model).
 */
import { type FrontEndConfig, hopLength, windowLength } from "./config";
import { FrontEndConfigError } from "./errors";
import { emptyMelFilter } from "./mel";

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
