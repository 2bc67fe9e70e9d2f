/**
 * What one training run is: the TrainConfig (saved as <out>/config.json and hashed to guard
 * resumes) and its defaults. Kept apart from the loop so the data and prefetch stages read it
 * without importing the loop.
 */
import type { FrontEndConfig } from "../../shared/features";
import { type AugmentConfig, type Split, type SplitMode, TF_AUGMENT } from "../data";
import { defaultCacheDir } from "./features";
import type { TeacherConfig } from "./online-teacher";
import type { SpecAugmentConfig } from "./spec-augment";

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
  /**
   * null disables augmentation. `copies`: that many augmented copies per example, each made once
   * and kept in the feature cache (augmented-copies.ts); 0 or absent: a fresh copy every draw.
   */
  augment: { fraction: number; config: AugmentConfig; copies?: number } | null;
  /** SpecAugment masks on every training example; null/absent: none. */
  specAugment?: SpecAugmentConfig | null;
  /** Further sources mixed into every batch at fixed shares. */
  mix?: MixSource[];
  /** Feature windows from the field (`earshot field export`), this share of every batch. */
  fieldWindows?: { dir: string; share: number };
  /**
   * An extra share of every batch drawn from the primary training set's `_unknown_` examples
   * (other words), augmented as the rest: the stream's false accepts are mostly other words.
   */
  unknownBoost?: number;
  /**
   * Distillation: soft-label caches (`earshot teacher probs`) and the weight of the soft-target
   * loss; the hard-label cross-entropy keeps 1 - weight.
   */
  distill?: { probs: string[]; weight: number };
  /**
   * A distillation set (`earshot teacher distill-set`): augmented clips' features with soft labels
   * from cross-fitted teacher heads, this share of every batch; its rows' loss is `weight` soft,
   * 1 - weight hard. Rows of the other sources keep the plain hard loss (unless `distill` is set).
   */
  distillSet?: { dir: string; share: number; weight: number };
  /**
   * An online teacher (online-teacher.ts): an exported model scores every augmented training
   * row, and its probabilities at `temperature` are the row's soft targets, the loss `weight`
   * soft, 1 - weight hard. Not with `distill`, `distillSet` or `mixup`.
   */
  teacher?: TeacherConfig;
  /**
   * Decay of an exponential moving average of the weights (weight-average.ts), e.g. 0.999:
   * validation, the best checkpoint and export use the average. Absent: the raw weights.
   */
  weightAverage?: number;
  /** Label smoothing of the hard targets, in [0, 1) (0 or absent: none; step.ts). */
  labelSmoothing?: number;
  /**
   * Mixup's Beta(alpha, alpha) parameter (mixup.ts), e.g. 0.2: every batch's examples mixed in
   * pairs, their targets too. Absent: none. Not with distillation (both use the soft targets).
   */
  mixup?: number;
  /**
   * Worker threads that make batches ahead of the step (0 or absent: in the main thread; "auto":
   * one per core, less one when the native addon augments, prefetch/index.ts); results are the
   * same for any number.
   */
  prefetchWorkers?: number | "auto";
  /**
   * Data-parallel replicas of the model per step, the main thread's included (1 or absent: one
   * process, as before); results equal one replica's to float rounding (parallel/).
   */
  replicas?: number;
  /** Feature cache folder; null: no disk cache. */
  cacheDir: string | null;
  /** Write a step line to the JSONL log every N steps. */
  logEvery: number;
  /**
   * Compression (issue 4): QAT / sub-8-bit / binary training and a checkpoint to start from,
   * recorded with the run; `hooks.model` (host/compress/train-hook.ts) does the work.
   */
  precision?: string;
  /** Binary nets: layers kept at int8 besides the first and last (compress/precision.ts). */
  int8Layers?: string[];
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
