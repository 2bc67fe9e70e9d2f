/**
 * A fixed number of augmented copies per training example, each made once and kept in the
 * feature cache, instead of a fresh augmentation every time an example is drawn (issue 13: the
 * epoch at the step's speed). With the kws12 augmentation a fresh copy costs ~8 ms of CPU
 * (vocal tract warp, speed, reverb, front end), several times the training step per batch; a
 * long run draws each example's augmented form hundreds of times, so K stored copies cut that
 * work by the same factor after the first epochs. microWakeWord trains the same way, from
 * spectrograms of augmented clips generated ahead of time.
 *
 * Copy c of example e is a pure function of (seed, the example's audio, c, the augmentation
 * config and its noise and babble banks): any worker computes the same one, and a change to
 * any of these is a new cache key, never a stale copy.
 */
import { createHash } from "node:crypto";
import { type Augmenter, type Example, Rng } from "../data";
import { exampleKey, type FeatureCache } from "./features";

/** Largest number of copies per example (the CLI's bound too). */
export const MAX_AUGMENTED_COPIES = 1024;

export class AugmentedCopies {
  /** Hash of everything besides the example and copy index that a copy depends on. */
  private readonly fingerprint: string;

  constructor(
    readonly augmenter: Augmenter,
    readonly cache: FeatureCache,
    /** Copies per example. */
    readonly count: number,
    readonly seed: number,
  ) {
    if (!Number.isInteger(count) || count < 1 || count > MAX_AUGMENTED_COPIES)
      throw new RangeError(
        `augmented copies must be a whole number from 1 to ${MAX_AUGMENTED_COPIES} (got ${count})`,
      );
    const h = createHash("sha1");
    h.update(JSON.stringify({ v: 1, seed, rate: augmenter.rate, config: augmenter.config }));
    for (const bank of [augmenter.noiseBank, augmenter.babbleBank]) {
      h.update(`bank:${bank.length}`);
      for (const clip of bank) {
        h.update(`clip:${clip.length}`);
        h.update(new Uint8Array(clip.buffer, clip.byteOffset, clip.byteLength));
      }
    }
    this.fingerprint = h.digest("hex");
  }

  /** Features of augmented copy `copy` (0 .. count-1) of `ex`, made on first use. */
  get(ex: Example, copy: number): Float32Array {
    if (!Number.isInteger(copy) || copy < 0 || copy >= this.count)
      throw new RangeError(`augmented copy ${copy} out of range 0..${this.count - 1}`);
    const audioKey = exampleKey(ex);
    const key = createHash("sha1")
      .update(`augmented\0${this.fingerprint}\0${audioKey}\0${copy}`)
      .digest("hex");
    return this.cache.entry(key, () => {
      const rng = new Rng(this.seed).fork(`copy-${audioKey}-${copy}`);
      return this.cache.augmented(this.cache.loader.load(ex), this.augmenter, rng);
    });
  }
}
