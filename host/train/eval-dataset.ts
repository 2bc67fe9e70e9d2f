/**
 * `earshot eval`: a trained model's accuracy on the test subset of a dataset (or on a whole
 * folder in the test-set layout, e.g. ../shared/speech/sc-v2-test).
 *
 * --model may be a checkpoint folder (a train --out folder means its best/ checkpoint) or, for
 * exported device model files, a file: that goes to `evalExportedModel` in host/compress/int-eval
 * (the integer evaluator), so the accuracy reported for a device file is the device's.
 */
import { existsSync, statSync } from "node:fs";
import type { LayersModel } from "@tensorflow/tfjs";
import { buildTask, type SplitMode, scanDataset } from "../data";
import { EvaluationError } from "../eval/errors";
import { loadBackend } from "./backend";
import { type CheckpointMeta, loadCheckpoint, readMeta, resolveCheckpointDir } from "./checkpoint";
import { type EvalResult, evaluateModel } from "./evaluate";
import { defaultCacheDir, FeatureCache } from "./features";

export interface EvalOptions {
  model: string;
  data: string;
  splitMode?: SplitMode;
  noiseDir?: string;
  cacheDir?: string | null;
  /** Which subset to score (default "test"). */
  subset?: "train" | "validation" | "test";
  /** For an exported model file: a checkpoint to score on the same examples, side by side. */
  checkpoint?: string;
  /** Called after each example an exported model scores (the integer evaluator is the slow one). */
  onProgress?: (done: number, total: number) => void;
}

export interface EvalReport extends EvalResult {
  model: string;
  data: string;
  subset: string;
  split: string;
}

export async function evalModel(opts: EvalOptions): Promise<EvalReport> {
  if (!existsSync(opts.model))
    throw new EvaluationError(`${opts.model}: no such model file or folder`);
  if (statSync(opts.model).isFile()) return evalExported(opts);
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
  const examples = task.examples[subset];
  if (examples.length === 0) {
    throw new EvaluationError(
      `${opts.data}: the ${subset} subset is empty (split '${ds.splitSource}'; try --split)`,
    );
  }
  const cache = new FeatureCache(
    meta.frontEnd,
    opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir,
  );
  const set = cache.load(examples);
  const result = evaluateModel(model, set, meta.inputNorm, meta.labels);
  model.dispose();
  return { ...result, model: dir, data: opts.data, subset, split: ds.splitSource };
}

/**
 * A trainer checkpoint rebuilds from the model zoo; a compressed one (quantized, binary or
 * pruned layers, marked by `precision`/`compression` in its meta) from its saved topology, via
 * host/compress/checkpoint.
 */
async function loadAnyCheckpoint(dir: string) {
  const meta = readMeta(dir) as CheckpointMeta & { precision?: unknown; compression?: unknown };
  if (meta.precision === undefined && meta.compression === undefined) return loadCheckpoint(dir);
  const path = "../compress/checkpoint";
  const mod = (await import(/* @vite-ignore */ path)) as {
    loadModelDir(d: string): Promise<{ model: LayersModel; meta: CheckpointMeta }>;
  };
  return mod.loadModelDir(dir);
}

interface IntEvalModule {
  evalExportedModel(file: string, opts: EvalOptions): Promise<EvalReport>;
}

async function evalExported(opts: EvalOptions): Promise<EvalReport> {
  let mod: IntEvalModule;
  try {
    const path = "../compress/int-eval";
    mod = (await import(/* @vite-ignore */ path)) as IntEvalModule;
  } catch {
    throw new EvaluationError(
      `${opts.model} is a file: evaluating exported device models needs host/compress/int-eval, which this build does not have yet (pass a checkpoint folder instead)`,
    );
  }
  if (typeof mod.evalExportedModel !== "function") {
    throw new EvaluationError("host/compress/int-eval does not export evalExportedModel");
  }
  return mod.evalExportedModel(opts.model, opts);
}
