/**
 * The epoch against the step (issue 13: "the whole epoch should run at the step's speed"): ms
 * per batch of the training step alone on a fixed batch, and of the real training loop (`train`,
 * batches made by the prefetch workers with the kws12 recipe's audio augmentation, SpecAugment
 * and label smoothing) over the same model and batch size, in the same process. The step alone is
 * timed before and after the loop and averaged, so load that drifts during the run shows in both.
 * With `copies`, every example's augmented copies are made first (timed apart, `fill_s`), so the
 * loop is timed in the steady state a long run reaches after its first epochs.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { VtlpDomain } from "../../host/data/augment";
import { adam } from "../../host/train/adam";
import { computeInputNorm } from "../../host/train/features";
import { buildSeeded, resolveTrainConfig, type TrainConfig, train } from "../../host/train/loop";
import { prefetchWorkerCount } from "../../host/train/prefetch";
import { RECIPES } from "../../host/train/recipes";
import { makeTrainStep } from "../../host/train/step";
import { loadTrainingData, makeAugment, makeBatchStream } from "../../host/train/training-data";

export interface EpochFigures {
  recipe: string;
  model: string;
  batch: number;
  prefetch_workers: number;
  /** Median ms per step on one fixed batch. */
  step_ms: number;
  /** Median ms between consecutive steps of the training loop, after the warm-up steps. */
  loop_ms: number;
  epoch_over_step: number;
  steps: number;
  load1: number;
  /** Augmented copies per example (0: fresh augmentation every draw). */
  copies: number;
  /** Where the vocal tract warp was applied. */
  vtlp_domain: VtlpDomain;
  /** With copies: seconds to make them all before the loop (a one-off cost per seed and config). */
  fill_s?: number;
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median ms per step of `steps` steps on batch 0 of the run's stream (after 3 warm-up steps). */
async function stepAlone(config: TrainConfig, steps: number): Promise<number> {
  const data = await loadTrainingData({ ...config, augment: null }, { validation: false });
  const norm = computeInputNorm(data.trainSet);
  const b = makeBatchStream({ ...config, augment: null }, data, norm).batch(0);
  const { frames, coeffs } = data.trainSet;
  const inputShape: [number, number, number] = [frames, coeffs, 1];
  const model = buildSeeded(
    config.model,
    { ...config.modelConfig, inputShape, numClasses: data.task.labels.length },
    config.seed,
  );
  const step = makeTrainStep(
    model,
    adam(config.lr.start),
    undefined,
    undefined,
    config.labelSmoothing,
  );
  const x = tf.tensor4d(b.x, [config.batchSize, ...inputShape]);
  const y = tf.tensor1d(b.labels, "int32");
  const times: number[] = [];
  for (let i = 0; i < steps + 3; i++) {
    const t0 = performance.now();
    step(x, y);
    if (i >= 3) times.push(performance.now() - t0);
  }
  tf.dispose([x, y]);
  model.dispose();
  return median(times);
}

/**
 * The recipe's loop on `data` for `warmup + steps` steps with `workers` prefetch workers ("auto":
 * the trainer's default), against the step alone.
 */
export async function measureEpoch(opts: {
  data: string;
  recipe: string;
  workers: number | "auto";
  steps: number;
  warmup: number;
  /** Augmented copies per example, all made before the loop is timed (0: none). */
  copies?: number;
  /** Where the vocal tract warp is applied (default: the recipe's). */
  vtlpDomain?: VtlpDomain;
}): Promise<EpochFigures> {
  const out = mkdtempSync(join(tmpdir(), "earshot-epoch-bench-"));
  try {
    const config = resolveTrainConfig({
      ...RECIPES[opts.recipe].config,
      data: opts.data,
      model: RECIPES[opts.recipe].config.model ?? "res8-narrow",
      out,
      epochs: 1,
      stepsPerEpoch: opts.warmup + opts.steps,
      prefetchWorkers: opts.workers,
      logEvery: 0,
      // A folder of the bench's own, so copies from an earlier run cannot make the fill look free.
      cacheDir: join(out, "cache"),
    });
    const base = config.augment;
    const domain = opts.vtlpDomain ?? base?.config.vtlpDomain ?? "audio";
    if (base) config.augment = { ...base, config: { ...base.config, vtlpDomain: domain } };
    const copies = opts.copies ?? 0;
    let fillS: number | undefined;
    if (copies > 0) {
      if (!config.augment) throw new Error(`recipe ${opts.recipe} has no augmentation to copy`);
      config.augment = { ...config.augment, copies };
      const t0 = performance.now();
      const data = await loadTrainingData(config, { validation: false });
      const made = makeAugment(config, data)?.copies;
      if (!made) throw new Error("augmented copies were not set up");
      for (const ex of data.trainSet.examples) for (let c = 0; c < copies; c++) made.get(ex, c);
      fillS = (performance.now() - t0) / 1000;
    }
    const before = await stepAlone(config, opts.steps);
    const stamps: number[] = [];
    await train(config, { onStep: () => stamps.push(performance.now()) });
    const gaps = stamps.slice(opts.warmup).map((t, i) => t - stamps[opts.warmup + i - 1]);
    const after = await stepAlone(config, opts.steps);
    const step = (before + after) / 2;
    const loop = median(gaps);
    return {
      recipe: opts.recipe,
      model: config.model,
      batch: config.batchSize,
      prefetch_workers: prefetchWorkerCount(config),
      step_ms: Number(step.toFixed(1)),
      loop_ms: Number(loop.toFixed(1)),
      epoch_over_step: Number((loop / step).toFixed(3)),
      steps: gaps.length,
      load1: Number(loadavg()[0].toFixed(2)),
      copies,
      vtlp_domain: domain,
      ...(fillS !== undefined && { fill_s: Number(fillS.toFixed(1)) }),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
