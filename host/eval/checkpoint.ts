/**
 * A checkpoint's accuracy on a subset of a dataset (a train --out folder means its best/
 * checkpoint): trainer checkpoints rebuild from the model zoo, compressed ones (quantized,
 * binary or pruned layers) from their saved topology via host/compress/checkpoint.
 */
import { loadModelDir } from "../compress/checkpoint";
import { buildTask, scanDataset } from "../data";
import { loadBackend } from "../train/backend";
import {
  type CheckpointMeta,
  loadCheckpoint,
  readMeta,
  resolveCheckpointDir,
} from "../train/checkpoint";
import { evaluateModel } from "../train/evaluate";
import { defaultCacheDir, FeatureCache } from "../train/features";
import { EvaluationError } from "./errors";
import type { EvalOptions, EvalReport } from "./options";
import { subsetExamples } from "./subsets";

export async function evalCheckpoint(opts: EvalOptions): Promise<EvalReport> {
  const dir = resolveCheckpointDir(opts.model);
  await loadBackend({ quiet: true });
  const { model, meta } = await loadAnyCheckpoint(dir);
  const ds = await scanDataset(opts.data, {
    splitMode: opts.splitMode ?? "auto",
    noiseDir: opts.noiseDir,
  });
  const task = buildTask(ds, { keywords: meta.keywords }, 0);
  if (task.labels.join(",") !== meta.labels.join(",")) {
    throw new EvaluationError(
      `${opts.data}: the dataset's classes (${task.labels.join(", ")}) differ from the model's (${meta.labels.join(", ")})`,
    );
  }
  const subset = opts.subset ?? "test";
  const examples = subsetExamples(task, subset, opts.data, ds.splitSource);
  const cache = new FeatureCache(
    meta.frontEnd,
    opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir,
  );
  const set = cache.load(examples);
  const result = evaluateModel(model, set, meta.inputNorm, meta.labels);
  model.dispose();
  return { ...result, model: dir, data: opts.data, subset, split: ds.splitSource };
}

/** A trainer checkpoint rebuilds from the model zoo; a compressed one from its topology. */
async function loadAnyCheckpoint(dir: string) {
  const meta = readMeta(dir) as CheckpointMeta & { precision?: unknown; compression?: unknown };
  if (meta.precision === undefined && meta.compression === undefined) return loadCheckpoint(dir);
  return loadModelDir(dir);
}
