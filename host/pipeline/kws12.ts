/**
 * The kws12 recipe end to end (issue 10): a synthetic corpus, training on real train speakers
 * with the corpus mixed into every batch, 8-bit QAT (or binary training), export, and the score
 * on held-out speakers. Each stage is a real `earshot` command and each is resumable (the corpus
 * is cached, training resumes from last/), so rerunning after an interruption continues.
 *
 * Variants, the models shipped under models/:
 *   int8        res8-narrow, real + synthetic, float then 8-bit QAT   -> kws12-int8.esm
 *   binary      res8-bin, real + synthetic, binary training            -> kws12-binary.esm
 *   synth-int8  res8-narrow on the synthetic corpus alone (no real keyword clip; the real noise
 *               recordings are allowed), last checkpoint (or the weight
 *               average after the last epoch), then QAT               -> kws12-synth-int8.esm
 * The 8-bit variants take `model: "res8-stream"` instead (res8-narrow made causal in time, so
 * the device runs each stride on its new frames only; issue 12) -> kws12-<variant>-stream.esm,
 * or `model: "ds-stream"` (DS-CNN's blocks made causal alike) -> kws12-<variant>-ds-stream.esm.
 */

import { join } from "node:path";
import type { VtlpDomain } from "../data/augment";
import { DS_STREAM } from "../models/ds-stream";
import { RES8_STREAM } from "../models/res8-stream";
import type { TeacherConfig } from "../train/online-teacher";
import { corpusArgs } from "./corpus-args";

export const KWS12_VARIANTS = ["int8", "binary", "synth-int8"] as const;
export type Kws12Variant = (typeof KWS12_VARIANTS)[number];

/**
 * The networks the 8-bit variants train: all take the recipe's MFCC 98x40 input, 8-bit QAT and
 * the 100 ms export stride (the streaming ones stream at a multiple of their time pool:
 * `exportStride`).
 */
export const KWS12_MODELS = ["res8-narrow", "res8-stream", "ds-stream"] as const;
export type Kws12Model = (typeof KWS12_MODELS)[number];

/** The networks the device streams, each with its default time pool (what its stride must divide). */
const STREAM_POOLS: Record<string, [number, number]> = {
  "res8-stream": RES8_STREAM.pool,
  "ds-stream": DS_STREAM.pool,
};

export interface Kws12Options {
  out: string;
  variant: Kws12Variant;
  /** The 8-bit variants' network; the binary variant always trains res8-bin. */
  model: Kws12Model;
  /** Hyperparameters over `model`'s defaults (8-bit variants), e.g. res8-stream's pool and skip. */
  modelConfig?: Record<string, unknown>;
  /** Real Speech Commands data (speaker split: train speakers train, validation selects, test reports). */
  real: string;
  /**
   * How the real data is split: `speaker` for the canonical test-set folder (sc-v2-test, re-split
   * by speaker), `auto` for the full dataset (its validation/testing lists or its own hash).
   */
  realSplit: "speaker" | "auto";
  /** Background noise recordings (the dataset's `_background_noise_`). */
  noise: string;
  /** An existing synthetic corpus; made under out/corpus when absent. */
  corpus?: string;
  /** Share of every batch drawn from the corpus when training on real data (0: none). */
  synthShare: number;
  epochs: number;
  qatEpochs: number;
  stepsPerEpoch: number;
  seed: number;
  /** Length of the calibration and the test streams, minutes. */
  streamMinutes: number;
  /** False accepts per hour the threshold is calibrated to (on the validation stream). */
  targetFaPerHour: number;
  /**
   * A distillation set (`earshot teacher distill-set`) mixed into every training batch at
   * `share`, its rows' loss `weight` soft; absent: no teacher (the default: the teacher is an
   * optional, host-only dependency).
   */
  distillSet?: { dir: string; share: number; weight: number };
  /** An online teacher for both training stages (`train --teacher`); absent: none. */
  teacher?: TeacherConfig;
  /**
   * Runs of this same recipe to train first, at seeds 0 .. n-1 and without a teacher, under
   * out/teachers/seed-<s>/; their exported files join `teacher.models` as the ensemble that
   * teaches this run (an ensemble of seeds as one 32 KiB student: models/README.md). Absent: none.
   */
  teacherSeeds?: number;
  /** SNR range of the noise in augmented clips, dB (absent: the kws12 recipe's 0..20). */
  snrDb?: [number, number];
  /** Extra share of every batch from the train set's `_unknown_` clips (`train --unknown-boost`). */
  unknownBoost?: number;
  /**
   * Speaker-diversity levers passed to every training step (`train --vtlp/--eq/--babble/
   * --label-smoothing`); absent: the kws12 recipe's own settings.
   */
  levers?: {
    vtlp?: string;
    vtlpDomain?: VtlpDomain;
    eq?: number;
    babble?: number;
    labelSmoothing?: number;
    /** SpecAugment on (true) or off (false); absent: the recipe's (on; off for binary). */
    specAugment?: boolean;
  };
  /** Augmented copies per example kept in the feature cache (`train --augment-copies`); absent: fresh. */
  augmentCopies?: number;
  /**
   * Decay of the moving average of the weights in the 8-bit variants' float training (`train
   * --weight-average`); QAT then starts from the average. Absent: the raw weights.
   */
  weightAverage?: number;
  /** Mixup's alpha in the float training (`train --mixup`); QAT trains without. Absent: none. */
  mixup?: number;
}

export interface PipelineStep {
  name: string;
  args: string[];
  /** The step's JSON report (its stdout). */
  report: string;
}

/**
 * The binary variant's network: res8-bin with 32-filter blocks (one 32-bit word of signs per
 * position, so a device's XNOR-popcount dot fills every word) behind seed 000's 19-filter stem,
 * whose full-resolution output stays the arena's largest tensor; the downsampling conv kept at
 * int8 (real-valued downsampling, Bethge et al.). It trains without the 8-bit recipe's label
 * smoothing and SpecAugment: under them the binary net underfits (training accuracy still rising
 * at 48 epochs), and without them it gains on unheard speakers. Gains are in models/README.md.
 */
export const KWS12_BINARY_NET = {
  modelConfig: { filters: 32, stemFilters: 19 },
  int8Layers: ["down0"],
  labelSmoothing: 0,
  specAugment: false,
};

/** The corpus the shipped models were trained with: 4,200 clips, 400 synthetic speakers. */
export const CORPUS_ARGS = corpusArgs({ perWord: 300, unknownPerWord: 60, speakers: 400, seed: 7 });

/** The network a run trains: `model`, except the binary variant's res8-bin. */
export function trainedModel(o: Pick<Kws12Options, "variant" | "model">): string {
  return o.variant === "binary" ? "res8-bin" : o.model;
}

export function modelFileName(o: Pick<Kws12Options, "variant" | "model">): string {
  const net = trainedModel(o);
  const suffix = net === "res8-stream" ? "-stream" : net === "ds-stream" ? "-ds-stream" : "";
  return `kws12-${o.variant}${suffix}.esm`;
}

/**
 * Frames between inferences on a stream: 10 (100 ms), or for a streaming network the nearest multiple
 * of its time pool at or below 10, which it streams at (a 4-frame pool: 8, every 80 ms).
 */
export function exportStride(o: Pick<Kws12Options, "variant" | "model" | "modelConfig">): number {
  const defaultPool = STREAM_POOLS[trainedModel(o)];
  if (defaultPool === undefined) return 10;
  const pool = (o.modelConfig?.pool as [number, number] | undefined) ?? defaultPool;
  return pool[0] * Math.max(1, Math.floor(10 / pool[0]));
}

/** Where `o.teacherSeeds`' run at seed `seed` works, and its exported file. */
export function teacherSeedRun(o: Pick<Kws12Options, "out">, seed: number) {
  const out = join(o.out, "teachers", `seed-${seed}`);
  return { out, file: join(out, "uncalibrated.esm") };
}

/** The online teacher a run trains with: `o.teacher`'s files, then its seed runs' files. */
export function runTeacher(o: Kws12Options): TeacherConfig | undefined {
  const seeds = o.teacherSeeds ?? 0;
  if (!o.teacher && seeds === 0) return undefined;
  return {
    models: [
      ...(o.teacher?.models ?? []),
      ...Array.from({ length: seeds }, (_, s) => teacherSeedRun(o, s).file),
    ],
    weight: o.teacher?.weight ?? 0.5,
    temperature: o.teacher?.temperature ?? 2,
  };
}

export function kws12Steps(o: Kws12Options): PipelineStep[] {
  const corpus = o.corpus ?? join(o.out, "corpus");
  const reports = join(o.out, "reports");
  const file = join(o.out, modelFileName(o));
  const steps: PipelineStep[] = [];
  const synthOnly = o.variant === "synth-int8";
  // --synth-share 0 trains on real speech alone: no corpus is made or mixed in.
  const usesCorpus = synthOnly || o.synthShare > 0;
  if (!o.corpus && usesCorpus)
    steps.push({
      name: "synthesize corpus",
      args: ["data", "synth", "--out", corpus, ...CORPUS_ARGS, "--json"],
      report: join(reports, "synth.json"),
    });
  // The teachers first: the same recipe at seeds 0 .. n-1 on the same corpus, trained and
  // exported (their probabilities are all a teacher gives, so no calibration or streams).
  for (let s = 0; s < (o.teacherSeeds ?? 0); s++) {
    const run = teacherSeedRun(o, s);
    const member = { ...o, out: run.out, corpus, seed: s, teacher: undefined, teacherSeeds: 0 };
    const memberSteps = modelSteps(member, run.file).steps;
    for (const step of memberSteps) step.name = `teacher seed ${s}: ${step.name}`;
    steps.push(...memberSteps);
  }
  const uncalibrated = join(o.out, "uncalibrated.esm");
  const own = modelSteps({ ...o, corpus, teacher: runTeacher(o) }, uncalibrated);
  steps.push(...own.steps);
  const streamArgs = ["--data", o.real, "--split", o.realSplit, "--noise", o.noise];
  const calStream = join(o.out, "stream-validation.wav");
  const testStream = join(o.out, "stream-test.wav");
  steps.push(
    {
      name: "calibration stream (validation speakers)",
      args: [
        "stream",
        "build",
        ...streamArgs,
        "--subset",
        "validation",
        "--minutes",
        `${o.streamMinutes}`,
        "--seed",
        "2",
        "--out",
        calStream,
        "--json",
      ],
      report: join(reports, "stream-validation.json"),
    },
    {
      name: `calibrate threshold and smoothing to ${o.targetFaPerHour} false accepts per hour`,
      args: [
        "calibrate",
        "--model",
        uncalibrated,
        "--stream",
        calStream,
        "--target-fa-per-hour",
        `${o.targetFaPerHour}`,
        "--out",
        file,
        "--json",
      ],
      report: join(reports, "calibrate.json"),
    },
    {
      name: "test stream (held-out test speakers)",
      args: [
        "stream",
        "build",
        ...streamArgs,
        "--subset",
        "test",
        "--minutes",
        `${o.streamMinutes}`,
        "--seed",
        "1",
        "--out",
        testStream,
        "--json",
      ],
      report: join(reports, "stream-test.json"),
    },
    {
      name: "DET on the test stream",
      args: [
        "stream",
        "eval",
        "--model",
        file,
        "--stream",
        testStream,
        "--plot",
        join(o.out, "det.svg"),
        "--json",
      ],
      report: join(reports, "det.json"),
    },
    {
      name: "score on held-out real speakers (integer semantics, beside the checkpoint)",
      args: [
        "eval",
        "--model",
        file,
        "--checkpoint",
        own.checkpoint,
        "--data",
        o.real,
        "--split",
        o.realSplit,
        "--subset",
        "test",
        "--json",
      ],
      report: join(reports, "eval-test.json"),
    },
    {
      name: "inspect device model",
      args: ["inspect", file, "--json"],
      report: join(reports, "inspect.json"),
    },
  );
  return steps;
}

/**
 * One run's network: its training steps (float and QAT, or binary) under `o.out`, then its
 * export to `file` (int8 activations calibrated on the data it trained on); `checkpoint` is the
 * one exported.
 */
function modelSteps(
  o: Kws12Options & { corpus: string },
  file: string,
): { steps: PipelineStep[]; checkpoint: string } {
  const { corpus } = o;
  const reports = join(o.out, "reports");
  const synthOnly = o.variant === "synth-int8";
  const steps: PipelineStep[] = [];
  const common = [
    "--recipe",
    "kws12",
    "--seed",
    `${o.seed}`,
    "--steps-per-epoch",
    `${o.stepsPerEpoch}`,
    ...(o.distillSet
      ? [
          "--distill-set",
          `${o.distillSet.dir}:${o.distillSet.share}`,
          "--distill-weight",
          `${o.distillSet.weight}`,
        ]
      : []),
    ...(o.teacher
      ? [
          ...o.teacher.models.flatMap((m) => ["--teacher", m]),
          "--teacher-weight",
          `${o.teacher.weight}`,
          "--teacher-temperature",
          `${o.teacher.temperature}`,
        ]
      : []),
    ...(o.snrDb ? ["--snr-db", o.snrDb.join(",")] : []),
    ...(o.unknownBoost ? ["--unknown-boost", `${o.unknownBoost}`] : []),
    ...leverArgs(o.levers),
    ...(o.augmentCopies ? ["--augment-copies", `${o.augmentCopies}`] : []),
  ];
  // Synthetic-only: train and select on the corpus alone; the real noise files may be mixed in.
  const data = synthOnly
    ? ["--data", corpus, "--split", "auto", "--noise", o.noise]
    : [
        "--data",
        o.real,
        "--split",
        o.realSplit,
        "--noise",
        o.noise,
        ...(o.synthShare > 0 ? ["--mix", `${corpus}:${o.synthShare}`] : []),
      ];
  // One training step: the recipe's common flags and data, then this step's network and flags.
  const train = (model: string, epochs: number, out: string, extra: string[]): string[] => [
    "train",
    ...common,
    ...data,
    "--model",
    model,
    ...extra,
    "--epochs",
    `${epochs}`,
    "--out",
    out,
    "--json",
  ];
  const float = join(o.out, "float");
  const mixup = o.mixup !== undefined ? ["--mixup", `${o.mixup}`] : [];
  if (o.variant === "binary") {
    steps.push({
      name: "train res8-bin (binary)",
      args: train("res8-bin", o.epochs, float, [
        "--model-config",
        JSON.stringify(KWS12_BINARY_NET.modelConfig),
        "--precision",
        "binary",
        "--int8-layers",
        KWS12_BINARY_NET.int8Layers.join(","),
        // A lever's label smoothing or SpecAugment (in `common`) overrides the binary net's own.
        ...(o.levers?.labelSmoothing === undefined
          ? ["--label-smoothing", `${KWS12_BINARY_NET.labelSmoothing}`]
          : []),
        ...(o.levers?.specAugment === undefined && !KWS12_BINARY_NET.specAugment
          ? ["--no-spec-augment"]
          : []),
        ...mixup,
      ]),
      report: join(reports, "train.json"),
    });
  } else {
    const qat = join(o.out, "qat");
    const modelConfig = o.modelConfig ? ["--model-config", JSON.stringify(o.modelConfig)] : [];
    // Selection on synthetic validation would be selection on synthetic speakers: the synthetic
    // variant keeps the last checkpoint instead, so no real clip steers it.
    // With a weight average, its latest state stands for the last checkpoint.
    const start = synthOnly
      ? join(float, o.weightAverage !== undefined ? "average" : "last")
      : join(float, "best");
    steps.push(
      {
        name: `train ${o.model} (float)`,
        args: train(o.model, o.epochs, float, [
          ...modelConfig,
          ...(o.weightAverage !== undefined ? ["--weight-average", `${o.weightAverage}`] : []),
          ...mixup,
        ]),
        report: join(reports, "train.json"),
      },
      {
        name: "8-bit QAT",
        // Named here too: `--from` copies weights by layer name, and res8-stream's weighted
        // layers have res8-narrow's names and shapes (train refuses the mismatch).
        args: train(o.model, o.qatEpochs, qat, [
          ...modelConfig,
          "--precision",
          "int8",
          "--from",
          start,
        ]),
        report: join(reports, "qat.json"),
      },
    );
  }
  // The synthetic variant keeps its last checkpoint (no real clip selects it).
  const checkpoint = join(
    o.variant === "binary" ? float : join(o.out, "qat"),
    synthOnly ? "last" : "best",
  );
  steps.push({
    name: "export device model",
    args: [
      "export",
      "--model",
      checkpoint,
      "--calib",
      synthOnly ? corpus : o.real,
      ...(synthOnly ? [] : ["--split", o.realSplit]),
      // Run the network every 100 ms on a stream: the runtime's default of every frame costs
      // ten times the compute for no measurable gain in a 1 s window.
      "--stride",
      `${exportStride(o)}`,
      "--out",
      file,
      "--json",
    ],
    report: join(reports, "export.json"),
  });
  return { steps, checkpoint };
}

/** The recipe's lever flags as `train` takes them (and the card shows them). */
export function leverArgs(l: Kws12Options["levers"]): string[] {
  if (!l) return [];
  return [
    ...(l.vtlp !== undefined ? ["--vtlp", l.vtlp] : []),
    ...(l.vtlpDomain !== undefined ? ["--vtlp-domain", l.vtlpDomain] : []),
    ...(l.eq !== undefined ? ["--eq", `${l.eq}`] : []),
    ...(l.babble !== undefined ? ["--babble", `${l.babble}`] : []),
    ...(l.labelSmoothing !== undefined ? ["--label-smoothing", `${l.labelSmoothing}`] : []),
    ...(l.specAugment === undefined
      ? []
      : [l.specAugment ? "--spec-augment" : "--no-spec-augment"]),
  ];
}
