/**
 * Mixup (Zhang et al. 2018) on a training batch's features: each example becomes
 * lam * itself + (1 - lam) * a partner drawn by a seeded permutation of the batch, and its target
 * the same mix of the two one-hot labels. lam ~ Beta(alpha, alpha), folded to >= 0.5 so the
 * example's own label stays the larger share (its `labels` entry, which the step's accuracy
 * counts, is unchanged). Applied to normalized features after SpecAugment, per step, so a resumed
 * run draws the same mixes.
 */
import type { Rng } from "../data/rng";
import { TrainError } from "./errors";

/** Refuses an alpha mixup cannot draw with (train() calls it before loading any data). */
export function checkMixupAlpha(alpha: number): void {
  if (!(alpha > 0) || !Number.isFinite(alpha))
    throw new TrainError(`mixup alpha must be a positive number (got ${alpha})`);
}

/** A Gamma(shape, 1) draw (Marsaglia & Tsang 2000; shape < 1 through Gamma(shape + 1) U^(1/shape)). */
export function gammaSample(rng: Rng, shape: number): number {
  if (shape < 1) return gammaSample(rng, shape + 1) * (1 - rng.next()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = rng.normal();
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Beta(a, b) draw. */
export function betaSample(rng: Rng, a: number, b: number): number {
  const x = gammaSample(rng, a);
  const y = gammaSample(rng, b);
  return x / (x + y);
}

/**
 * Mixes `x` (n examples of `size` values) in place and returns the n x classes targets: the
 * mixed one-hot labels, label-smoothed by `smoothing` (as the hard loss smooths its one-hot).
 */
export function mixupBatch(
  x: Float32Array,
  labels: Int32Array,
  classes: number,
  alpha: number,
  smoothing: number,
  rng: Rng,
): Float32Array {
  checkMixupAlpha(alpha);
  const n = labels.length;
  if (n === 0 || x.length % n !== 0)
    throw new TrainError(`mixup: ${x.length} feature values for ${n} examples`);
  const size = x.length / n;
  const partner = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const original = x.slice();
  const targets = new Float32Array(n * classes);
  const floor = smoothing / classes;
  for (let i = 0; i < n; i++) {
    const drawn = betaSample(rng, alpha, alpha);
    const lam = drawn < 0.5 ? 1 - drawn : drawn;
    const j = partner[i];
    const xi = i * size;
    const xj = j * size;
    for (let k = 0; k < size; k++)
      x[xi + k] = lam * original[xi + k] + (1 - lam) * original[xj + k];
    const row = i * classes;
    for (let c = 0; c < classes; c++) targets[row + c] = floor;
    targets[row + labels[i]] += (1 - smoothing) * lam;
    targets[row + labels[j]] += (1 - smoothing) * (1 - lam);
  }
  return targets;
}
