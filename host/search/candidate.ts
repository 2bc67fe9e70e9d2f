/**
 * Trains, scores and measures one candidate for one seed: what `earshot search candidate` runs
 * in each worker process. Selection uses the validation subset; the record's accuracy is the
 * test subset (the held-out speakers under `--split speaker`), of the trained model and of its
 * exported integer file.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadModelDir } from "../compress/checkpoint";
import { deviceAccuracy } from "../compress/compare";
import { accuracy, loadFeatures } from "../compress/data";
import { exportFile } from "../compress/export-file";
import { modelReport } from "../compress/model-report";
import { precisionHook } from "../compress/train-hook";
import { buildModel, type ModelName } from "../models";
import { resolveTrainConfig, train } from "../train/loop";
import { type ModelCost, modelCost } from "./cost";
import { loadCalibration, predictInstrPerSecond } from "./cost-model";
import {
  type Candidate,
  candidateKey,
  FAMILY_BITS,
  type Family,
  FRAMES_PER_CLIP,
  trainSpec,
} from "./space";
import type { CandidateRecord } from "./store";

export interface Budget {
  epochs: number;
  stepsPerEpoch: number;
  batchSize: number;
}

export interface CandidateJob {
  candidate: Candidate;
  seed: number;
  step: string;
  data: string;
  splitMode: "auto" | "speaker";
  budget: Budget;
  /** Folder for this candidate's training run. */
  runDir: string;
  calibCount: number;
  cacheDir?: string | null;
}

const NUM_CLASSES = 12;

/** Size and MACs of a candidate's architecture, without training it (for the size cap). */
export function candidateCost(c: Candidate, numClasses = NUM_CLASSES): ModelCost {
  const s = trainSpec(c);
  const m = buildModel(
    s.model as ModelName,
    {
      ...s.modelConfig,
      inputShape: [FRAMES_PER_CLIP, c.arch.mfcc, 1],
      numClasses,
    } as never,
  );
  try {
    return modelCost(m, c.family);
  } finally {
    m.dispose();
  }
}

/** The predicted device cost of a candidate (null until bench/device-cost has calibrated the model). */
export function deviceCost(cost: ModelCost): number | null {
  const cal = loadCalibration();
  if (!cal) return null;
  return predictInstrPerSecond(
    {
      int8Macs: cost.macs - cost.binaryMacs,
      binaryMacs: cost.binaryMacs,
      activations: cost.activations,
    },
    cal,
  );
}

/** What a worker trains: a model zoo entry with its config, named and costed. */
export interface TrainTarget {
  search: string;
  key: string;
  family: Family;
  config: Record<string, unknown>;
  model: ModelName;
  modelConfig: Record<string, unknown>;
  frontEnd: string;
  cost: ModelCost;
}

export function iterativeTarget(c: Candidate): TrainTarget {
  const s = trainSpec(c);
  return {
    search: "iterative",
    key: candidateKey(c),
    family: c.family,
    config: { ...c.arch },
    model: s.model,
    modelConfig: s.modelConfig,
    frontEnd: s.frontEnd,
    cost: candidateCost(c),
  };
}

export async function runCandidate(
  job: CandidateJob,
  info: (line: string) => void = () => {},
): Promise<CandidateRecord> {
  return trainAndScore(iterativeTarget(job.candidate), job, info);
}

/** Trains `t` for one seed, scores it on the test subset, exports it (not float) and measures the file. */
export async function trainAndScore(
  t: TrainTarget,
  job: Omit<CandidateJob, "candidate">,
  info: (line: string) => void = () => {},
): Promise<CandidateRecord> {
  const t0 = performance.now();
  const cost = t.cost;
  const base = {
    search: t.search,
    key: t.key,
    family: t.family,
    bits: FAMILY_BITS[t.family],
    config: t.config,
    seed: job.seed,
    step: job.step,
    params: cost.params,
    kib: cost.bytes / 1024,
    macs: cost.macs,
    binary_macs: cost.binaryMacs,
    activations: cost.activations,
    // The device runtime runs integer files only: a float candidate has no device cost.
    device_instr_per_s: t.family === "float" ? null : deviceCost(cost),
  };
  const s = {
    model: t.model,
    modelConfig: t.modelConfig,
    frontEnd: t.frontEnd,
    precision: t.family,
  };
  mkdirSync(job.runDir, { recursive: true });
  const result = await train(
    resolveTrainConfig({
      data: job.data,
      model: s.model,
      modelConfig: s.modelConfig,
      frontEnd: s.frontEnd,
      out: job.runDir,
      epochs: job.budget.epochs,
      stepsPerEpoch: job.budget.stepsPerEpoch,
      batchSize: job.budget.batchSize,
      seed: job.seed,
      splitMode: job.splitMode,
      ...(job.cacheDir !== undefined && { cacheDir: job.cacheDir }),
      ...(s.precision !== "float" && { precision: s.precision }),
    }),
    {
      info,
      ...(s.precision !== "float" && { model: precisionHook({ precision: s.precision }) }),
    },
  );
  const { model, meta } = await loadModelDir(result.bestDir);
  const test = await loadFeatures(job.data, meta, "test", {
    splitMode: job.splitMode,
    cacheDir: job.cacheDir,
  });
  const acc = accuracy(model, test);
  let intAcc: number | null = null;
  let fileKib: number | null = null;
  let arena: number | null = null;
  let error: string | undefined;
  if (t.family !== "float") {
    try {
      const ex = await exportFile({
        model: result.bestDir,
        out: join(job.runDir, "model.esm"),
        calib: job.data,
        calibCount: job.calibCount,
        splitMode: job.splitMode,
        cacheDir: job.cacheDir,
        strideFrames: 10,
      });
      const rep = modelReport(ex.model, ex.bytes);
      fileKib = rep.totals.paramBytes / 1024;
      arena = rep.totals.arenaPeakBytes;
      intAcc = deviceAccuracy(ex.model, test);
    } catch (e) {
      error = `export: ${(e as Error).message}`;
    }
  }
  test.x.dispose();
  model.dispose();
  return {
    ...base,
    val_accuracy: result.bestValAccuracy,
    accuracy: acc,
    int_accuracy: intAcc,
    file_kib: fileKib,
    arena_bytes: arena,
    seconds: (performance.now() - t0) / 1000,
    ...(error !== undefined && { error }),
  };
}
