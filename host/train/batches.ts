/**
 * Training batches: an endless, deterministic stream of shuffled passes over a feature set,
 * with augmentation on the fly.
 *
 * Batch `i` depends only on (seed, i): pass k over the data is the permutation drawn from
 * fork("pass-k") and batch i's augmentation from fork("batch-i"). Resuming at step i therefore
 * needs no saved RNG state and reproduces an uninterrupted run exactly.
 *
 * Augmentation cost: the front end takes ~3 ms per 1 s clip here, so recomputing features for
 * all 64 clips of a batch would cost about as much as the training step itself. A `fraction` of
 * each batch (default 0.25) is therefore augmented in the audio domain (the data layer's
 * Augmenter: time shift, noise mixing, ... then the front end); the rest take their cached clean
 * features shifted by whole frames (a time shift in steps of the hop, the silence frame filling
 * in, which is what zero-filled shifted audio gives away from the edge).
 */
import { type Augmenter, Rng } from "../data";
import type { AugmentedCopies } from "./augmented-copies";
import { type FeatureCache, type FeatureSet, type InputNorm, normalizeInPlace } from "./features";
import { type SpecAugmentConfig, specAugment } from "./spec-augment";

export interface BatchOptions {
  seed: number;
  batchSize: number;
  norm: InputNorm;
  /**
   * Audio-domain augmentation for a fraction of each batch; null: none (and no frame shift).
   * With `copies`, an augmented example is one of its stored copies instead of a fresh one.
   */
  augment: { augmenter: Augmenter; fraction: number; copies?: AugmentedCopies | null } | null;
  /** Largest frame shift for the clean part of a batch (TF default 100 ms = 10 frames). */
  shiftFrames: number;
  /** SpecAugment masks on every example after normalization; absent: none. */
  specAugment?: SpecAugmentConfig | null;
  /** Distillation: n x classes soft targets of the set's examples; absent: none. */
  targets?: { data: Float32Array; classes: number } | null;
}

export interface Batch {
  /** batchSize x frames x coeffs, normalized. */
  x: Float32Array;
  labels: Int32Array;
  /** batchSize x classes soft targets, when the run distils. */
  targets?: Float32Array;
}

export class BatchSource {
  private pass = -1;
  private order: number[] = [];
  private readonly silence: Float32Array;

  constructor(
    readonly set: FeatureSet,
    readonly cache: FeatureCache,
    readonly opts: BatchOptions,
  ) {
    if (set.labels.length === 0) throw new Error("BatchSource: empty feature set");
    this.silence = cache.silenceFrame();
  }

  private rng(label: string): Rng {
    return new Rng(this.opts.seed).fork(label);
  }

  private exampleAt(position: number): number {
    const n = this.set.labels.length;
    const k = Math.floor(position / n);
    if (k !== this.pass) {
      this.pass = k;
      this.order = this.rng(`pass-${k}`).shuffle(Array.from({ length: n }, (_, i) => i));
    }
    return this.order[position % n];
  }

  /** Batch number `index` of the stream. */
  batch(index: number): Batch {
    const { batchSize } = this.opts;
    const x = new Float32Array(batchSize * this.set.frames * this.set.coeffs);
    const labels = new Int32Array(batchSize);
    const t = this.opts.targets;
    const targets = t ? new Float32Array(batchSize * t.classes) : undefined;
    this.fill(index, batchSize, x, labels, 0, targets);
    return targets ? { x, labels, targets } : { x, labels };
  }

  /**
   * Writes `count` examples of batch `index` (stream positions index*count ...) into rows
   * `at ... at+count-1` of `x` / `labels`. A source that contributes a fixed share of a mixed
   * batch calls this with its own count, so its stream is still a function of (seed, index).
   */
  fill(
    index: number,
    count: number,
    x: Float32Array,
    labels: Int32Array,
    at: number,
    targets?: Float32Array,
  ): void {
    const { augment, shiftFrames, norm, specAugment: spec } = this.opts;
    const { frames, coeffs, data } = this.set;
    const size = frames * coeffs;
    const rng = this.rng(`batch-${index}`);
    for (let j = 0; j < count; j++) {
      const e = this.exampleAt(index * count + j);
      labels[at + j] = this.set.labels[e];
      const t = this.opts.targets;
      if (targets && t)
        targets.set(t.data.subarray(e * t.classes, (e + 1) * t.classes), (at + j) * t.classes);
      const dst = x.subarray((at + j) * size, (at + j + 1) * size);
      if (augment && rng.next() < augment.fraction) {
        const ex = this.set.examples[e];
        if (augment.copies) dst.set(augment.copies.get(ex, rng.int(augment.copies.count)));
        else dst.set(this.cache.augmented(this.cache.loader.load(ex), augment.augmenter, rng));
      } else {
        const src = data.subarray(e * size, (e + 1) * size);
        const shift = augment && shiftFrames > 0 ? rng.int(2 * shiftFrames + 1) - shiftFrames : 0;
        shiftFeatures(src, dst, frames, coeffs, shift, this.silence);
      }
      normalizeInPlace(dst, norm);
      if (spec) specAugment(dst, frames, coeffs, spec, rng);
    }
  }
}

/** dst = src delayed by `shift` frames (negative: advanced), `fill` frames filling the gap. */
export function shiftFeatures(
  src: Float32Array,
  dst: Float32Array,
  frames: number,
  coeffs: number,
  shift: number,
  fill: Float32Array,
): void {
  for (let t = 0; t < frames; t++) {
    const s = t - shift;
    if (s >= 0 && s < frames) dst.set(src.subarray(s * coeffs, (s + 1) * coeffs), t * coeffs);
    else dst.set(fill, t * coeffs);
  }
}
