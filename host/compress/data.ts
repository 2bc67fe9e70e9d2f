/**
 * Features for compression commands (calibration, PTQ/QAT comparisons, pruning fine-tuning):
 * a dataset subset through the trainer's feature cache, normalized with the checkpoint's input
 * normalization, as one [n, frames, coeffs, 1] tensor.
 */
import * as tf from "@tensorflow/tfjs";
import { buildTask, DatasetError, scanDataset } from "../data";
import {
  defaultCacheDir,
  FeatureCache,
  type FeatureSet,
  normalizeInPlace,
} from "../train/features";
import type { CompressedMeta } from "./checkpoint";

export interface FeatureBatch {
  x: tf.Tensor4D;
  labels: Int32Array;
  set: FeatureSet;
}

export type Subset = "train" | "validation" | "test";

export async function loadFeatures(
  dataDir: string,
  meta: CompressedMeta,
  subset: Subset,
  o: {
    limit?: number;
    seed?: number;
    cacheDir?: string | null;
    splitMode?: "auto" | "speaker";
  } = {},
): Promise<FeatureBatch> {
  const ds = await scanDataset(dataDir, { splitMode: o.splitMode ?? "auto" });
  const task = buildTask(ds, { keywords: meta.keywords }, o.seed ?? 0);
  if (task.labels.join(",") !== meta.labels.join(",")) {
    throw new DatasetError(
      `${dataDir}: labels ${task.labels} differ from the model's ${meta.labels}`,
    );
  }
  let examples = task.examples[subset];
  // Never score on another subset in its place: "test" accuracy on the calibration or
  // fine-tuning clips would look like a result and mean nothing.
  if (examples.length === 0) {
    const counts = (["train", "validation", "test"] as const)
      .map((s) => `${s} ${task.examples[s].length}`)
      .join(", ");
    throw new DatasetError(
      `${dataDir}: the ${subset} subset is empty for labels ${task.labels.join(",")} (${counts} clips; split ${ds.splitSource}); give a dataset with ${subset} clips or another --split`,
    );
  }
  if (o.limit !== undefined) examples = examples.slice(0, o.limit);
  const cache = new FeatureCache(
    meta.frontEnd,
    o.cacheDir === undefined ? defaultCacheDir() : o.cacheDir,
  );
  const set = cache.load(examples);
  const data = normalizeInPlace(set.data.slice(), meta.inputNorm);
  const x = tf.tensor4d(data, [set.labels.length, set.frames, set.coeffs, 1]);
  return { x, labels: set.labels, set };
}

/** Top-1 accuracy of a (logits-out) model on a batch. */
export function accuracy(model: tf.LayersModel, b: FeatureBatch, batchSize = 256): number {
  const n = b.labels.length;
  let correct = 0;
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const pred = tf.tidy(() =>
      tf.argMax(model.predict(b.x.slice([s], [e - s])) as tf.Tensor, -1).dataSync(),
    );
    for (let i = 0; i < e - s; i++) if (pred[i] === b.labels[s + i]) correct++;
  }
  return n ? correct / n : 0;
}
