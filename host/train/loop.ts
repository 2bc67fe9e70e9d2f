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
 *   <out>/last/        checkpoint after the latest epoch, with optimizer and loop state
 *
 * Re-running with the same --out resumes from <out>/last (the config must match except for
 * `epochs`, which may grow); the result equals an uninterrupted run, bit for bit.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { FrontEndConfig } from "../../shared/features";
import { UserError } from "../cli/errors";
import type { Precision } from "../compress/precision";
import { precisionLoss, precisionMeta, precisionModel } from "../compress/train-hook";
import { type AugmentConfig, Rng, type Split, type SplitMode, TF_AUGMENT } from "../data";
import { buildModel, isModelName, MODEL_NAMES } from "../models";
import { type BackendInfo, loadBackend } from "./backend";
import {
  CHECKPOINT_FORMAT,
  type CheckpointMeta,
  loadOptimizerInto,
  loadWeightsInto,
  readState,
  saveCheckpoint,
} from "./checkpoint";
import { evaluateModel } from "./evaluate";
import { computeInputNorm, defaultCacheDir, type InputNorm } from "./features";
import { openReplicas } from "./parallel";
import { openBatchStream } from "./prefetch";
import type { SpecAugmentConfig } from "./spec-augment";
import { makeTrainStep, polynomialDecay, setLearningRate } from "./step";
import { loadTrainingData } from "./training-data";

/**
 * A further training source mixed into every batch (issue 10): e.g. a synthetic corpus beside
 * real train speakers. Validation, and so checkpoint selection, stays on `data` alone.
 */
export interface MixSource {
  data: string;
  /** Fraction of every batch drawn from this source. */
  share: number;
  splitMode?: SplitMode;
  /** Subsets of this source used for training (default: all; a synthetic corpus has no held-out speaker to protect). */
  subsets?: Split[];
  noiseDir?: string;
}

export interface TrainConfig {
  /** Dataset folder (Speech Commands layout, real or synthetic). */
  data: string;
  /** Model zoo name, e.g. "res8-narrow". */
  model: string;
  /** Extra builder hyperparameters (inputShape and numClasses are filled in). */
  modelConfig: Record<string, unknown>;
  out: string;
  epochs: number;
  stepsPerEpoch: number;
  batchSize: number;
  lr: { start: number; end: number; power: number };
  seed: number;
  /** Front-end config or a preset name from shared/features (default MFCC_30_10_40: 98x40). */
  frontEnd: FrontEndConfig | string;
  /** Keywords in label order (default: the standard ten). */
  keywords?: string[];
  splitMode: SplitMode;
  noiseDir?: string;
  /** null disables augmentation. */
  augment: { fraction: number; config: AugmentConfig } | null;
  /** SpecAugment masks on every training example; null/absent: none. */
  specAugment?: SpecAugmentConfig | null;
  /** Further sources mixed into every batch at fixed shares. */
  mix?: MixSource[];
  /**
   * Distillation: soft-label caches (`earshot teacher probs`) and the weight of the soft-target
   * loss; the hard-label cross-entropy keeps 1 - weight.
   */
  distill?: { probs: string[]; weight: number };
  /** Worker threads that make batches ahead of the step (0: in the main thread); results are the same. */
  prefetchWorkers?: number;
  /**
   * Data-parallel replicas of the model per step, the main thread's included (1 or absent: one
   * process, as before); results equal one replica's to float rounding (parallel/).
   */
  replicas?: number;
  /** Feature cache folder; null: no disk cache. */
  cacheDir: string | null;
  /** Write a step line to the JSONL log every N steps. */
  logEvery: number;
  /** Compression (issue 4): QAT / sub-8-bit / binary training, and a checkpoint to start from. */
  precision?: Precision;
  from?: string;
}

/** Seed 000's learning rates: binary nets start at 1e-2, everything else at 1e-3. */
export function defaultLr(model: string): TrainConfig["lr"] {
  return { start: model.includes("bin") ? 1e-2 : 1e-3, end: 1e-5, power: 1 };
}

/** Fills defaults (seed 000: 30 epochs x 600 steps, batch 64, TF augmentation). */
export function resolveTrainConfig(
  c: Partial<TrainConfig> & Pick<TrainConfig, "data" | "model" | "out">,
): TrainConfig {
  return {
    modelConfig: {},
    epochs: 30,
    stepsPerEpoch: 600,
    batchSize: 64,
    seed: 0,
    frontEnd: "MFCC_30_10_40",
    splitMode: "auto",
    augment: { fraction: 0.25, config: TF_AUGMENT },
    cacheDir: defaultCacheDir(),
    logEvery: 50,
    ...c,
    lr: { ...defaultLr(c.precision === "binary" ? "binary" : c.model), ...(c.lr ?? {}) },
  };
}

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

export interface TrainHooks {
  /** Human-readable status lines (backend, dataset, resume, ...). */
  info?: (line: string) => void;
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
    throw new UserError(`unknown model '${name}' (known: ${MODEL_NAMES.join(", ")})`);
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
    throw new UserError(`unknown model '${config.model}' (known: ${MODEL_NAMES.join(", ")})`);
  }
  const backend = await loadBackend({ quiet: true });
  info(
    `backend: ${backend.name}${backend.simd ? " (SIMD)" : ""}${backend.warning ? ` WARNING: ${backend.warning}` : ""}`,
  );
  const data = await loadTrainingData(config, { info });
  const { frontEnd, task, trainSet, valSet } = data;

  const inputShape: [number, number, number] = [trainSet.frames, trainSet.coeffs, 1];
  const modelConfig = { ...config.modelConfig, inputShape, numClasses: task.labels.length };
  const built = buildSeeded(config.model, modelConfig, config.seed);
  const compressed = (config.precision && config.precision !== "float") || config.from;
  const model = compressed
    ? await precisionModel(built, { precision: config.precision ?? "float", from: config.from })
    : built;
  const optimizer = tf.train.adam(config.lr.start);
  const lastDir = join(config.out, "last");
  const bestDir = join(config.out, "best");
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
  if (saved) {
    if (saved.configHash !== state.configHash) {
      throw new UserError(
        `${config.out} holds a run with a different configuration; use another --out (or delete it)`,
      );
    }
    loadWeightsInto(lastDir, model);
    await loadOptimizerInto(lastDir, optimizer);
    norm = (JSON.parse(readFileSync(join(lastDir, "earshot.json"), "utf8")) as CheckpointMeta)
      .inputNorm;
    state = saved;
    info(`resuming ${config.out} after epoch ${state.epoch} (step ${state.globalStep})`);
    log({ type: "resume", epoch: state.epoch, step: state.globalStep });
  } else {
    writeFileSync(join(config.out, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  }

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
    ...(compressed && precisionMeta({ precision: config.precision ?? "float", from: config.from })),
  });

  const distill =
    config.distill && data.soft
      ? { weight: config.distill.weight, temperature: data.soft.temperature }
      : undefined;
  const parallel = await openReplicas(config, backend, model, optimizer, {
    modelConfig,
    inputShape,
    compressed: Boolean(compressed),
    distill,
    info,
  });
  const batches = await openBatchStream(config, data, norm).catch(async (err) => {
    await parallel?.close();
    throw err;
  });
  const step =
    parallel?.step ??
    makeTrainStep(model, optimizer, compressed ? () => precisionLoss(model) : undefined, distill);
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
        const x = tf.tensor4d(b.x, [config.batchSize, ...inputShape]);
        const y = tf.tensor1d(b.labels, "int32");
        const t = b.targets
          ? tf.tensor2d(b.targets, [config.batchSize, task.labels.length])
          : undefined;
        const r = step(x, y, t);
        tf.dispose([x, y, ...(t ? [t] : [])]);
        if (!Number.isFinite(r.loss)) {
          throw new UserError(`training diverged at step ${g} (loss ${r.loss}); try a lower --lr`);
        }
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
      const val = valSet.labels.length > 0 ? evaluateModel(model, valSet, norm, task.labels) : null;
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
        await saveCheckpoint(bestDir, model, meta(epoch + 1, metrics));
      }
      await saveCheckpoint(lastDir, model, meta(epoch + 1, metrics), { optimizer, state });
      log({ type: "epoch", ...e });
      hooks.onEpoch?.(e);
    }
  } finally {
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
