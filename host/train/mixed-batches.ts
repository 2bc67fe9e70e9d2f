/**
 * Batches drawn from several training sources at fixed shares: e.g. real clips of the train
 * speakers and synthetic clips, mixed in every batch (issue 10's data recipe). Each source keeps
 * its own shuffled passes, so a small real set is revisited more often than a large synthetic
 * one instead of being drowned by it. Batch i is still a function of (seeds, i): resume is exact.
 */
import type { Batch, BatchSource } from "./batches";

export interface BatchShare {
  source: BatchSource;
  /** Fraction of every batch, in (0, 1]. The first source takes whatever rounding leaves. */
  share: number;
}

/** Examples per batch of each source: the extras rounded, the first source the remainder. */
export function shareCounts(shares: readonly number[], batchSize: number): number[] {
  if (shares.length === 0) throw new RangeError("mixed batches: no source");
  for (const s of shares)
    if (!(s > 0 && s <= 1)) throw new RangeError(`mixed batches: share ${s} is not in (0, 1]`);
  const extras = shares.slice(1).map((s) => Math.round(s * batchSize));
  const first = batchSize - extras.reduce((a, b) => a + b, 0);
  if (first < 1 || extras.some((n) => n < 1))
    throw new RangeError(
      `mixed batches: shares ${shares.join(", ")} leave a source with no example in a batch of ${batchSize}`,
    );
  return [first, ...extras];
}

export class MixedBatchSource {
  readonly counts: number[];

  constructor(
    readonly parts: readonly BatchShare[],
    readonly batchSize: number,
  ) {
    this.counts = shareCounts(
      parts.map((p) => p.share),
      batchSize,
    );
    const f = parts[0].source.set;
    for (const p of parts) {
      if (p.source.set.frames !== f.frames || p.source.set.coeffs !== f.coeffs)
        throw new RangeError("mixed batches: sources have different feature shapes");
      if (!p.source.opts.targets !== !parts[0].source.opts.targets)
        throw new RangeError("mixed batches: soft targets on some sources only");
    }
  }

  batch(index: number): Batch {
    const { frames, coeffs } = this.parts[0].source.set;
    const x = new Float32Array(this.batchSize * frames * coeffs);
    const labels = new Int32Array(this.batchSize);
    const t = this.parts[0].source.opts.targets;
    const targets = t ? new Float32Array(this.batchSize * t.classes) : undefined;
    let at = 0;
    this.parts.forEach((p, k) => {
      p.source.fill(index, this.counts[k], x, labels, at, targets);
      at += this.counts[k];
    });
    return targets ? { x, labels, targets } : { x, labels };
  }
}
