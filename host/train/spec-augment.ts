/**
 * SpecAugment (Park et al. 2019) on normalized features: a few time masks (runs of frames) and
 * frequency masks (runs of coefficients) set to 0, the normalized mean. Cheap enough to apply to
 * every example of every batch, which the audio-domain augmentation is not. Time warping is
 * left out (the paper found it the least useful of the three).
 */
import type { Rng } from "../data";

export interface SpecAugmentConfig {
  /** Number of time masks per example. */
  timeMasks: number;
  /** Widest time mask, frames (width uniform in [0, max]). */
  timeMaskMax: number;
  /** Number of frequency (coefficient) masks per example. */
  freqMasks: number;
  /** Widest frequency mask, coefficients. */
  freqMaskMax: number;
}

/** Two masks of each kind, up to 10 frames (100 ms) and 5 of 40 coefficients. */
export const KWS_SPEC_AUGMENT: SpecAugmentConfig = {
  timeMasks: 2,
  timeMaskMax: 10,
  freqMasks: 2,
  freqMaskMax: 5,
};

export function checkSpecAugment(c: SpecAugmentConfig): void {
  for (const k of ["timeMasks", "timeMaskMax", "freqMasks", "freqMaskMax"] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0)
      throw new RangeError(`specAugment.${k} must be an integer >= 0 (got ${c[k]})`);
  }
}

/** Masks `x` (frames x coeffs, row-major) in place; every draw comes from `rng`. */
export function specAugment(
  x: Float32Array,
  frames: number,
  coeffs: number,
  c: SpecAugmentConfig,
  rng: Rng,
): Float32Array {
  for (let m = 0; m < c.timeMasks; m++) {
    const w = Math.min(frames, rng.int(c.timeMaskMax + 1));
    const t0 = rng.int(frames - w + 1);
    x.fill(0, t0 * coeffs, (t0 + w) * coeffs);
  }
  for (let m = 0; m < c.freqMasks; m++) {
    const w = Math.min(coeffs, rng.int(c.freqMaskMax + 1));
    const f0 = rng.int(coeffs - w + 1);
    for (let t = 0; t < frames; t++) x.fill(0, t * coeffs + f0, t * coeffs + f0 + w);
  }
  return x;
}
