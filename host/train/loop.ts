/**
 * The training loop behind `earshot train`: data -> cached features -> batches with on-the-fly
 * augmentation -> Adam with polynomial decay (seed 000: 1e-3 -> 1e-5, 1e-2 start for binary
 * nets) -> validation each epoch -> best and last checkpoints, resumable, deterministic under
 * a seed, a JSONL log per run.
 *
 * Output folder:
 *   <out>/config.json  the resolved TrainConfig
 *   <out>/train.jsonl  one JSON object per line: start, step (every logEvery), epoch, end
 *   <out>/best/        checkpoint with the best validation accuracy (what eval/export use)
 *   <out>/average/     with --weight-average: the weight average after the latest epoch
 *   <out>/last/        checkpoint after the latest epoch, with optimizer and loop state
 *
 * Re-running with the same --out resumes from <out>/last (the config must match except for
 * `epochs`, which may grow); the result equals an uninterrupted run, bit for bit.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../data";
import { buildModel, isModelName, MODEL_NAMES } from "../models";
import { ModelError } from "../models/errors";
import { adam } from "./adam";
import { type BackendInfo, loadBackend } from "./backend";
import {
  CHECKPOINT_FORMAT,
  type CheckpointMeta,
  loadAverage,
  loadOptimizerInto,
  loadWeightsInto,
  readMeta,
  readState,
  resolveCheckpointDir,
  saveCheckpoint,
} from "./checkpoint";
import type { TrainConfig } from "./config";
import { TrainError } from "./errors";
import { evaluateModel } from "./evaluate";
import { computeInputNorm, type InputNorm } from "./features";
import { checkMixupAlpha, mixupBatch } from "./mixup";
import { OnlineTeacher } from "./online-teacher";
import { openReplicas } from "./parallel";
import { openBatchStream } from "./prefetch";
import { makeTrainStep, polynomialDecay, setLearningRate } from "./step";
import { loadTrainingData } from "./training-data";
import { WeightAverage } from "./weight-average";

export { defaultLr, type MixSource, resolveTrainConfig, type TrainConfig } from "./config";

export interface StepInfo {
  epoch: number;
  step: number;
  globalStep: number;
  loss: number;
  accuracy: number;
  lr: number;
}

export interface EpochInfo {
  epoch: number;
  epochs: number;
  trainLoss: number;
  trainAccuracy: number;
  valAccuracy: number | null;
  valLoss: number | null;
  best: boolean;
  ms: number;
}

/**
 * What a compression scheme does to training, passed in by the caller so the trainer depends
 * on no compression module (host/compress/train-hook.ts `precisionHook` makes one).
 */
export interface ModelHook {
  /** The model to train, from the one the trainer built (quantized layers, copied weights). */
  prepare(built: tf.LayersModel): Promise<tf.LayersModel>;
  /** An extra loss term, added inside every step. */
  loss(model: tf.LayersModel): tf.Scalar;
  /** Extra fields for every saved checkpoint's meta. */
  meta(): Record<string, unknown>;
}

export interface TrainHooks {
  /** Human-readable status lines (backend, dataset, resume, ...). */
  info?: (line: string) => void;
  /** Compression: required when config.precision (other than float) or config.from is set. */
  model?: ModelHook;
  onStart?: (totalSteps: number, doneSteps: number) => void;
  onStep?: (s: StepInfo) => void;
  onEpoch?: (e: EpochInfo) => void;
}

export interface TrainResult {
  backend: BackendInfo;
  bestDir: string;
  lastDir: string;
  bestValAccuracy: number | null;
  epochs: EpochInfo[];
  labels: string[];
}

interface LoopState {
  epoch: number;
  globalStep: number;
  bestValAccuracy: number | null;
  configHash: string;
  epochs: EpochInfo[];
}

/** The fields that must match to resume (everything but epochs, out and logging). */
function configHash(c: TrainConfig): string {
  const {
    epochs: _e,
    out: _o,
    logEvery: _l,
    cacheDir: _c,
    prefetchWorkers: _p,
    replicas: _r,
    ...rest
  } = c;
  return stableJson(rest);
}

/** JSON with object keys sorted, so equal configs give equal strings however they were built. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** Builds a model with all random initializers drawn from `seed` (tfjs seeds them from Math.random). */
export function buildSeeded(
  name: string,
  config: Record<string, unknown>,
  seed: number,
): tf.LayersModel {
  if (!isModelName(name)) {
    throw new ModelError(`unknown model '${name}' (known: ${MODEL_NAMES.join(", ")})`);
  }
  const rng = new Rng(seed).fork("init");
  const saved = Math.random;
  Math.random = () => rng.next();
  try {
    return buildModel(name, config as never);
  } finally {
    Math.random = saved;
  }
}

export async function train(config: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  const info = hooks.info ?? (() => {});
  // Fail on a bad model name before minutes of feature extraction.
  if (!isModelName(config.model)) {
    throw new ModelError(`unknown model '${config.model}' (known: ${MODEL_NAMES.join(", ")})`);
  }
  if (config.mixup !== undefined && (config.distill || config.distillSet))
    throw new TrainError("mixup and distillation both set the soft targets: use one of them");
  if (config.teacher && (config.mixup !== undefined || config.distill || config.distillSet))
    throw new TrainError(
      "--teacher and mixup / --distill / --distill-set all set the soft targets: use one of them",
    );
  if (config.mixup !== undefined) checkMixupAlpha(config.mixup);
  const backend = await loadBackend({ quiet: true });
  info(
    `backend: ${backend.name}${backend.simd ? " (SIMD)" : ""}${backend.warning ? ` WARNING: ${backend.warning}` : ""}`,
  );
  if (config.from) {
    // Weights are copied by layer name, and res8-stream's layers have res8-narrow's names and
    // shapes: another network would take them without complaint.
    const fromNet = readMeta(resolveCheckpointDir(config.from)).model.name;
    if (fromNet !== config.model)
      throw new TrainError(
        `--from ${config.from} is a ${fromNet} checkpoint; this run trains ${config.model} (name the same --model)`,
      );
  }
  const data = await loadTrainingData(config, { info });
  const { frontEnd, task, trainSet, valSet } = data;

  const inputShape: [number, number, number] = [trainSet.frames, trainSet.coeffs, 1];
  const modelConfig = { ...config.modelConfig, inputShape, numClasses: task.labels.length };
  const built = buildSeeded(config.model, modelConfig, config.seed);
  const hook = hooks.model;
  if (((config.precision && config.precision !== "float") || config.from) && !hook)
    throw new TrainError(
      `precision '${config.precision ?? "float"}' / --from need the compression hook (host/compress/train-hook.ts precisionHook)`,
    );
  const model = hook ? await hook.prepare(built) : built;
  const optimizer = adam(config.lr.start);
  const lastDir = join(config.out, "last");
  const bestDir = join(config.out, "best");
  const averageDir = join(config.out, "average");
  mkdirSync(config.out, { recursive: true });
  const logPath = join(config.out, "train.jsonl");
  const log = (o: Record<string, unknown>) =>
    appendFileSync(logPath, `${JSON.stringify({ time: new Date().toISOString(), ...o })}\n`);

  let norm: InputNorm = computeInputNorm(trainSet);
  let state: LoopState = {
    epoch: 0,
    globalStep: 0,
    bestValAccuracy: null,
    configHash: configHash(config),
    epochs: [],
  };
  const saved = existsSync(join(lastDir, "state.json")) ? readState<LoopState>(lastDir) : null;
  let savedAverage: tf.Tensor[] | null = null;
  if (saved) {
    if (saved.configHash !== state.configHash) {
      throw new TrainError(
        `${config.out} holds a run with a different configuration; use another --out (or delete it)`,
      );
    }
    loadWeightsInto(lastDir, model);
    await loadOptimizerInto(lastDir, optimizer);
    savedAverage = loadAverage(lastDir);
    norm = (JSON.parse(readFileSync(join(lastDir, "earshot.json"), "utf8")) as CheckpointMeta)
      .inputNorm;
    state = saved;
    info(`resuming ${config.out} after epoch ${state.epoch} (step ${state.globalStep})`);
    log({ type: "resume", epoch: state.epoch, step: state.globalStep });
  } else {
    writeFileSync(join(config.out, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  }

  if (saved && config.weightAverage !== undefined && savedAverage === null)
    throw new TrainError(`${lastDir}: no weight average saved to resume with`);
  const average =
    config.weightAverage !== undefined
      ? new WeightAverage(model, config.weightAverage, savedAverage ?? undefined)
      : null;
  tf.dispose(savedAverage ?? []);

  const meta = (epoch: number, metrics: Record<string, number>): CheckpointMeta => ({
    format: CHECKPOINT_FORMAT,
    version: 1,
    model: { name: config.model as CheckpointMeta["model"]["name"], config: modelConfig },
    labels: task.labels,
    keywords: task.keywords,
    frontEnd,
    inputNorm: norm,
    inputShape,
    epoch,
    step: state.globalStep,
    metrics,
    ...hook?.meta(),
  });

  // One weight for the loss: --distill's, else the distill set's (rows without a teacher carry
  // all-zero targets and keep the hard loss alone, see step.ts). Mixup's targets are the whole
  // loss: the soft term alone, at temperature 1 (its targets carry the label smoothing).
  const distill =
    config.mixup !== undefined
      ? { weight: 1, temperature: 1 }
      : config.teacher
        ? { weight: config.teacher.weight, temperature: config.teacher.temperature }
        : config.distill && data.soft
          ? { weight: config.distill.weight, temperature: data.soft.temperature }
          : config.distillSet && data.distillSet
            ? { weight: config.distillSet.weight, temperature: data.distillSet.temperature }
            : undefined;
  if (config.teacher) {
    // Checked here: a teacher the run cannot use fails it before the first step, not in a worker.
    const t = new OnlineTeacher(config.teacher, {
      frames: trainSet.frames,
      coeffs: trainSet.coeffs,
      labels: task.labels,
      frontEnd,
      norm,
    });
    info(
      `teacher: ${config.teacher.models.join(", ")} on the ${t.path} kernels (weight ${config.teacher.weight}, temperature ${config.teacher.temperature})`,
    );
  }
  const parallel = await openReplicas(config, backend, model, optimizer, {
    modelConfig,
    inputShape,
    compressed: Boolean(hook),
    distill,
    labelSmoothing: config.labelSmoothing,
    info,
  });
  const batches = await openBatchStream(config, data, norm).catch(async (err) => {
    await parallel?.close();
    throw err;
  });
  const step =
    parallel?.step ??
    makeTrainStep(
      model,
      optimizer,
      hook ? () => hook.loss(model) : undefined,
      distill,
      config.labelSmoothing,
    );
  const totalSteps = config.epochs * config.stepsPerEpoch;
  const lrAt = polynomialDecay(config.lr.start, config.lr.end, totalSteps, config.lr.power);
  log({
    type: "start",
    backend: backend.name,
    model: config.model,
    labels: task.labels,
    train: trainSet.labels.length,
    validation: valSet.labels.length,
    totalSteps,
  });
  hooks.onStart?.(totalSteps, state.globalStep);

  try {
    for (let epoch = state.epoch; epoch < config.epochs; epoch++) {
      const t0 = performance.now();
      let lossSum = 0;
      let correct = 0;
      for (let s = 0; s < config.stepsPerEpoch; s++) {
        const g = state.globalStep;
        const lr = lrAt(g);
        setLearningRate(optimizer, lr);
        const b = await batches.batch(g);
        if (config.mixup !== undefined)
          b.targets = mixupBatch(
            b.x,
            b.labels,
            task.labels.length,
            config.mixup,
            config.labelSmoothing ?? 0,
            new Rng(config.seed).fork(`mixup ${g}`),
          );
        const x = tf.tensor4d(b.x, [config.batchSize, ...inputShape]);
        const y = tf.tensor1d(b.labels, "int32");
        const t = b.targets
          ? tf.tensor2d(b.targets, [config.batchSize, task.labels.length])
          : undefined;
        const r = step(x, y, t);
        tf.dispose([x, y, ...(t ? [t] : [])]);
        if (!Number.isFinite(r.loss)) {
          throw new TrainError(`training diverged at step ${g} (loss ${r.loss}); try a lower --lr`);
        }
        average?.update(model, g);
        state.globalStep++;
        lossSum += r.loss;
        correct += r.correct;
        const si = {
          epoch,
          step: s,
          globalStep: g,
          loss: r.loss,
          accuracy: r.correct / config.batchSize,
          lr,
        };
        hooks.onStep?.(si);
        if (config.logEvery > 0 && g % config.logEvery === 0) log({ type: "step", ...si });
      }
      // With a weight average, the average is what is validated and kept as best.
      const validate = () =>
        valSet.labels.length > 0 ? evaluateModel(model, valSet, norm, task.labels) : null;
      const val = average ? await average.withAveraged(model, validate) : validate();
      const valAccuracy = val ? val.accuracy : null;
      const best =
        valAccuracy !== null &&
        (state.bestValAccuracy === null || valAccuracy > state.bestValAccuracy);
      const e: EpochInfo = {
        epoch: epoch + 1,
        epochs: config.epochs,
        trainLoss: lossSum / config.stepsPerEpoch,
        trainAccuracy: correct / (config.stepsPerEpoch * config.batchSize),
        valAccuracy,
        valLoss: val ? val.loss : null,
        best: best || (valAccuracy === null && epoch === config.epochs - 1),
        ms: performance.now() - t0,
      };
      state.epoch = epoch + 1;
      state.epochs.push(e);
      const metrics: Record<string, number> = {
        trainLoss: e.trainLoss,
        trainAccuracy: e.trainAccuracy,
      };
      if (valAccuracy !== null) metrics.valAccuracy = valAccuracy;
      if (e.best) {
        state.bestValAccuracy = valAccuracy;
        const saveBest = () => saveCheckpoint(bestDir, model, meta(epoch + 1, metrics));
        await (average ? average.withAveraged(model, saveBest) : saveBest());
      }
      // The latest average as a checkpoint of its own: what a run that selects on nothing (the
      // recipe's synthetic-only variant) exports.
      if (average)
        await average.withAveraged(model, () =>
          saveCheckpoint(averageDir, model, meta(epoch + 1, metrics)),
        );
      await saveCheckpoint(lastDir, model, meta(epoch + 1, metrics), {
        optimizer,
        state,
        ...(average && { average: average.tensors() }),
      });
      log({ type: "epoch", ...e });
      hooks.onEpoch?.(e);
    }
  } finally {
    average?.dispose();
    await batches.close();
    await parallel?.close();
  }
  log({ type: "end", bestValAccuracy: state.bestValAccuracy, steps: state.globalStep });
  return {
    backend,
    bestDir,
    lastDir,
    bestValAccuracy: state.bestValAccuracy,
    epochs: state.epochs,
    labels: task.labels,
  };
}
