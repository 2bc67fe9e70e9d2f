/**
 * Device profile (device/tools/build.ts): shared/features/validate-config.ts for models the host
 * validated in full. Keeps the bounds the front end's tables and loops depend on (sizes whole,
 * positive and in range, a power-of-two FFT holding the window), so a damaged configuration fails
 * cleanly instead of allocating or looping without bound; drops the finer checks (rates, mel
 * edges, empty filters).
 */
import type { FrontEndConfig } from "../../../../shared/features/config";
import { hopLength, windowLength } from "../../../../shared/features/config";
import { FrontEndConfigError } from "../../../../shared/features/errors";

function within(v: number, lo: number, hi: number): boolean {
  return v === Math.floor(v) && v >= lo && v <= hi;
}

export function validateConfig(cfg: FrontEndConfig): FrontEndConfig {
  const n = cfg.fftSize;
  const w = windowLength(cfg);
  const h = hopLength(cfg);
  const coeffs = cfg.kind === "lfbe" ? cfg.nMels : cfg.nCoeffs;
  if (
    (cfg.kind !== "mfcc" && cfg.kind !== "lfbe") ||
    !within(n, 2, 65536) ||
    (n & (n - 1)) !== 0 ||
    !within(w, 1, n) ||
    !within(h, 1, w) ||
    !within(cfg.nMels, 1, 512) ||
    !within(coeffs, 1, cfg.nMels) ||
    !(cfg.logFloor > 0)
  )
    throw new FrontEndConfigError("config", "out of bounds");
  return cfg;
}
