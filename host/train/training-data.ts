/**
 * What a training run reads: the dataset's task, its cached clean features (train and
 * validation), the sources mixed into every batch, and the batch stream built over them. Shared
 * by the training loop and the batch-prefetch worker, which rebuilds the very same stream from
 * the same config (features come from the disk cache), so a prefetched batch i equals the one
 * the loop would have made itself, bit for bit.
 */
import { type FrontEndConfig, PRESETS, validateConfig } from "../../shared/features";
import {
  Augmenter,
  buildTask,
  type Dataset,
  noiseBank,
  Rng,
  type Split,
  scanDataset,
  type Task,
  UNKNOWN_LABEL,
} from "../data";
import { readDistillSet } from "../data/distill-set";
import { exampleId } from "../data/example-id";
import { AugmentedCopies } from "./augmented-copies";
import { type Batch, type BatchOptions, BatchSource } from "./batches";
import type { MixSource, TrainConfig } from "./config";
import { TrainError } from "./errors";
import { FeatureCache, type FeatureSet, type InputNorm } from "./features";
import { loadFieldSet } from "./field-set";
import { MixedBatchSource } from "./mixed-batches";
import { OnlineTeacher } from "./online-teacher";
import { loadSoftTargets, targetsFor } from "./soft-targets";
import { checkSpecAugment } from "./spec-augment";

/** Anything that yields batch i of a deterministic stream. */
export interface BatchStream {
  batch(index: number): Batch;
}

export interface TrainingData {
  frontEnd: FrontEndConfig;
  ds: Dataset;
  task: Task;
  cache: FeatureCache;
  trainSet: FeatureSet;
  /** Empty when loaded with `validation: false`. */
  valSet: FeatureSet;
  mixes: { source: MixSource; ds: Dataset; set: FeatureSet }[];
  /** Field windows mixed into every batch (`fieldWindows`), without waveform augmentation. */
  field: FeatureSet | null;
  /** Distillation targets of trainSet and of each mix's set (same order), when `distill` is set. */
  soft: { train: Float32Array; mixes: Float32Array[]; temperature: number } | null;
  /** The distillation set's rows (`distillSet`) with their soft targets. */
  distillSet: { set: FeatureSet; targets: Float32Array; temperature: number } | null;
}

export function frontEndOf(f: FrontEndConfig | string): FrontEndConfig {
  if (typeof f !== "string") return validateConfig(f);
  const p = PRESETS[f];
  if (!p)
    throw new TrainError(
      `unknown front-end preset '${f}' (known: ${Object.keys(PRESETS).join(", ")})`,
    );
  return p;
}

export async function loadTrainingData(
  config: TrainConfig,
  opts: { info?: (line: string) => void; validation?: boolean } = {},
): Promise<TrainingData> {
  const info = opts.info ?? (() => {});
  const frontEnd = frontEndOf(config.frontEnd);
  const ds = await scanDataset(config.data, {
    splitMode: config.splitMode,
    noiseDir: config.noiseDir,
  });
  const task = buildTask(ds, config.keywords ? { keywords: config.keywords } : {}, config.seed);
  const cache = new FeatureCache(frontEnd, config.cacheDir);
  info(
    `data: ${config.data} (${ds.layout} layout, ${ds.splitSource} split): ` +
      `${task.examples.train.length} train / ${task.examples.validation.length} validation examples, ` +
      `${task.labels.length} classes`,
  );
  const trainSet = cache.load(task.examples.train);
  const valSet = cache.load(opts.validation === false ? [] : task.examples.validation);
  if (trainSet.labels.length === 0) {
    throw new TrainError(`${config.data}: no training examples (split '${ds.splitSource}')`);
  }
  for (const f of [...trainSet.failed, ...valSet.failed]) info(`skipped ${f.path}: ${f.reason}`);
  if (config.specAugment) checkSpecAugment(config.specAugment);
  const heldOut = new Set(
    [...task.examples.validation, ...task.examples.test].flatMap((e) =>
      e.kind === "file" && e.speaker ? [e.speaker] : [],
    ),
  );
  const heldOutIds = new Set(
    [...task.examples.validation, ...task.examples.test].map((e) => exampleId(e, config.data)),
  );
  const mixes: TrainingData["mixes"] = [];
  for (const m of config.mix ?? []) {
    const mds = await scanDataset(m.data, {
      splitMode: m.splitMode ?? "auto",
      noiseDir: m.noiseDir,
    });
    const mtask = buildTask(mds, { keywords: task.keywords }, config.seed);
    if (mtask.labels.join(",") !== task.labels.join(","))
      throw new TrainError(
        `mix source ${m.data}: labels ${mtask.labels.join(",")} differ from ${task.labels.join(",")}`,
      );
    const subsets = m.subsets ?? (["train", "validation", "test"] as Split[]);
    const all = subsets.flatMap((s) => mtask.examples[s]);
    // A speaker who validates or tests the primary data never trains, whichever source brings them.
    const kept = all.filter((e) => e.kind !== "file" || !e.speaker || !heldOut.has(e.speaker));
    if (kept.length < all.length)
      info(`mix: ${m.data}: ${all.length - kept.length} clips of held-out speakers left out`);
    const set = cache.load(kept);
    for (const f of set.failed) info(`skipped ${f.path}: ${f.reason}`);
    if (set.labels.length === 0) throw new TrainError(`mix source ${m.data}: no examples`);
    info(
      `mix: ${m.data}: ${set.labels.length} examples (${subsets.join("+")}), ${Math.round(m.share * 100)}% of each batch`,
    );
    mixes.push({ source: m, ds: mds, set });
  }
  let soft: TrainingData["soft"] = null;
  if (config.distill) {
    const table = loadSoftTargets(config.distill.probs, task.labels);
    const classes = task.labels.length;
    const train = targetsFor(trainSet, config.data, table, classes);
    const mixT = mixes.map((m) => targetsFor(m.set, m.source.data, table, classes));
    info(
      `distill: teacher probabilities for ${train.matched} of ${trainSet.labels.length} train examples` +
        mixT
          .map(
            (t, k) => `, ${t.matched} of ${mixes[k].set.labels.length} in ${mixes[k].source.data}`,
          )
          .join("") +
        ` (temperature ${table.temperature}, weight ${config.distill.weight}; the rest one-hot)`,
    );
    if (train.matched + mixT.reduce((a, t) => a + t.matched, 0) === 0)
      throw new TrainError("--distill: no training example is in the soft-label caches");
    soft = {
      train: train.targets,
      mixes: mixT.map((t) => t.targets),
      temperature: table.temperature,
    };
  }
  let distillSet: TrainingData["distillSet"] = null;
  if (config.distillSet) {
    const dir = config.distillSet.dir;
    let d: ReturnType<typeof readDistillSet>;
    try {
      d = readDistillSet(dir, task.labels);
    } catch (e) {
      throw new TrainError(`--distill-set ${(e as Error).message}`);
    }
    const m = d.manifest;
    if (m.frames !== trainSet.frames || m.coeffs !== trainSet.coeffs)
      throw new TrainError(
        `--distill-set ${dir}: features are ${m.frames}x${m.coeffs}, this front end makes ${trainSet.frames}x${trainSet.coeffs}`,
      );
    if (soft && soft.temperature !== m.temperature)
      throw new TrainError(
        `--distill at temperature ${soft.temperature} and --distill-set at ${m.temperature}`,
      );
    if (m.rows.length === 0) throw new TrainError(`--distill-set ${dir}: no rows`);
    // Held-out speakers of this run never train, whatever brought them (as for --mix).
    const keep = m.rows.flatMap((r, i) => (heldOutIds.has(r.id) ? [] : [i]));
    if (keep.length < m.rows.length)
      info(`distill set: ${m.rows.length - keep.length} rows of held-out clips left out`);
    const size = m.frames * m.coeffs;
    const classes = task.labels.length;
    const data = new Float32Array(keep.length * size);
    const targets = new Float32Array(keep.length * classes);
    keep.forEach((r, j) => {
      data.set(d.features.subarray(r * size, (r + 1) * size), j * size);
      targets.set(d.targets.subarray(r * classes, (r + 1) * classes), j * classes);
    });
    distillSet = {
      set: {
        frames: m.frames,
        coeffs: m.coeffs,
        data,
        labels: Int32Array.from(keep, (r) => m.rows[r].label),
        // Rows have no clip of their own on disk (augmented audio): named for logs only.
        examples: keep.map((r) => ({
          kind: "file" as const,
          path: `${dir}#${m.rows[r].id}#${m.rows[r].copy}`,
          label: m.rows[r].label,
          word: task.labels[m.rows[r].label],
          speaker: null,
        })),
        failed: [],
      },
      targets,
      temperature: m.temperature,
    };
    info(
      `distill set: ${dir}: ${keep.length} rows, ${Math.round(config.distillSet.share * 100)}% of each batch, weight ${config.distillSet.weight}, temperature ${m.temperature}`,
    );
  }
  let field: FeatureSet | null = null;
  if (config.fieldWindows) {
    if (soft) throw new TrainError("--field-windows cannot be combined with --distill");
    field = loadFieldSet(config.fieldWindows.dir, task.labels, trainSet.frames, trainSet.coeffs);
    info(
      `field windows: ${config.fieldWindows.dir}: ${field.labels.length} windows, ${Math.round(config.fieldWindows.share * 100)}% of each batch`,
    );
  }
  return { frontEnd, ds, task, cache, trainSet, valSet, mixes, soft, field, distillSet };
}

/** Clips babble is made from: up to this many non-keyword training clips. */
const BABBLE_CLIPS = 300;

/**
 * Non-keyword speech of the training subsets (the primary set and every mix), picked in a fixed
 * order: babble never carries a keyword, and never a validation or test speaker.
 */
function babbleBank(data: TrainingData): Float32Array[] {
  const unknown = data.task.labels.indexOf(UNKNOWN_LABEL);
  if (unknown < 0) return [];
  const sets = [data.trainSet, ...data.mixes.map((m) => m.set)];
  const picks = sets.flatMap((set) => set.examples.filter((_, i) => set.labels[i] === unknown));
  const step = Math.max(1, Math.floor(picks.length / BABBLE_CLIPS));
  const out: Float32Array[] = [];
  for (let i = 0; i < picks.length && out.length < BABBLE_CLIPS; i += step)
    out.push(data.cache.loader.load(picks[i]));
  return out;
}

/**
 * The run's audio-domain augmentation: the Augmenter over every source's train-region noise and
 * the babble bank, and its stored copies when `augment.copies` asks for them; null: none.
 */
export function makeAugment(config: TrainConfig, data: TrainingData): BatchOptions["augment"] {
  if (!config.augment) return null;
  const { ds, mixes, cache } = data;
  // Noise from every source's train region: the real recordings and a corpus's own noises.
  const noise = [ds, ...mixes.map((m) => m.ds)].flatMap((d) => noiseBank(d, "train", cache.loader));
  const babble = config.augment.config.babble ? babbleBank(data) : [];
  const augmenter = new Augmenter(config.augment.config, noise, undefined, babble);
  const copies = config.augment.copies ?? 0;
  return {
    augmenter,
    fraction: config.augment.fraction,
    copies: copies > 0 ? new AugmentedCopies(augmenter, cache, copies, config.seed) : null,
  };
}

/**
 * The run's batch stream: the primary source alone, or mixed with `config.mix` at their shares;
 * with `config.teacher`, every row's soft targets from the online teacher.
 */
export function makeBatchStream(
  config: TrainConfig,
  data: TrainingData,
  norm: InputNorm,
): BatchStream {
  const stream = sourceStream(config, data, norm);
  if (!config.teacher) return stream;
  const teacher = new OnlineTeacher(config.teacher, {
    frames: data.trainSet.frames,
    coeffs: data.trainSet.coeffs,
    labels: data.task.labels,
    frontEnd: data.frontEnd,
    norm,
  });
  const classes = data.task.labels.length;
  return {
    batch(index) {
      const b = stream.batch(index);
      const targets = new Float32Array(config.batchSize * classes);
      teacher.targets(b.x, config.batchSize, targets);
      return { x: b.x, labels: b.labels, targets };
    },
  };
}

function sourceStream(config: TrainConfig, data: TrainingData, norm: InputNorm): BatchStream {
  const { mixes, cache, frontEnd } = data;
  const augment = makeAugment(config, data);
  const shiftMs = config.augment?.config.timeShiftMs ?? 0;
  const classes = data.task.labels.length;
  const sourceOpts = (seed: number, targets?: Float32Array) => ({
    seed,
    batchSize: config.batchSize,
    norm,
    augment,
    shiftFrames: Math.round(shiftMs / frontEnd.hopMs),
    specAugment: config.specAugment ?? null,
    targets: targets ? { data: targets, classes } : null,
  });
  // With a distill set and no --distill, the other sources carry all-zero targets: hard loss only.
  const none = (n: number) => (data.distillSet ? new Float32Array(n * classes) : undefined);
  const primary = new BatchSource(
    data.trainSet,
    cache,
    sourceOpts(config.seed, data.soft?.train ?? none(data.trainSet.labels.length)),
  );
  const field = data.field && config.fieldWindows;
  const dset = data.distillSet && config.distillSet;
  const boost = config.unknownBoost ?? 0;
  if (mixes.length === 0 && !field && !dset && boost === 0) return primary;
  const unknownPart: { source: BatchSource; share: number }[] = [];
  if (boost > 0) {
    const { set, rows } = unknownSubset(data);
    const classes = data.task.labels.length;
    // The rows' own soft targets under --distill; all-zero (hard loss) beside a distill set.
    const soft = data.soft?.train;
    const targets = soft
      ? Float32Array.from(rows.flatMap((i) => [...soft.subarray(i * classes, (i + 1) * classes)]))
      : none(rows.length);
    unknownPart.push({
      source: new BatchSource(
        set,
        cache,
        sourceOpts(new Rng(config.seed).fork("unknown-boost").uint32(), targets),
      ),
      share: boost,
    });
  }
  const distillPart =
    data.distillSet && dset
      ? [
          {
            source: new BatchSource(data.distillSet.set, cache, {
              ...sourceOpts(
                new Rng(config.seed).fork("distill-set").uint32(),
                data.distillSet.targets,
              ),
              // The rows are augmented audio already: no second waveform pass, no frame shift.
              augment: null,
            }),
            share: dset.share,
          },
        ]
      : [];
  const fieldShare = field ? (config.fieldWindows?.share ?? 0) : 0;
  const fieldPart =
    data.field && field
      ? [
          {
            source: new BatchSource(data.field, cache, {
              ...sourceOpts(
                new Rng(config.seed).fork("field").uint32(),
                none(data.field.labels.length),
              ),
              augment: null,
            }),
            share: fieldShare,
          },
        ]
      : [];
  return new MixedBatchSource(
    [
      {
        source: primary,
        share:
          1 -
          fieldShare -
          boost -
          (dset ? dset.share : 0) -
          mixes.reduce((a, m) => a + m.source.share, 0),
      },
      ...fieldPart,
      ...unknownPart,
      ...distillPart,
      ...mixes.map((m, k) => ({
        source: new BatchSource(
          m.set,
          cache,
          sourceOpts(
            new Rng(config.seed).fork(`mix-${k}`).uint32(),
            data.soft?.mixes[k] ?? none(m.set.labels.length),
          ),
        ),
        share: m.source.share,
      })),
    ],
    config.batchSize,
  );
}

/**
 * The primary training set's `_unknown_` examples as a set of their own (for unknownBoost), and
 * their rows in the training set.
 */
export function unknownSubset(data: TrainingData): { set: FeatureSet; rows: number[] } {
  const label = data.task.labels.indexOf(UNKNOWN_LABEL);
  const set = data.trainSet;
  const keep: number[] = [];
  for (let i = 0; i < set.labels.length; i++) if (set.labels[i] === label) keep.push(i);
  if (label < 0 || keep.length === 0)
    throw new TrainError("--unknown-boost: the training set has no _unknown_ examples");
  const size = set.frames * set.coeffs;
  const out = new Float32Array(keep.length * size);
  keep.forEach((i, j) => {
    out.set(set.data.subarray(i * size, (i + 1) * size), j * size);
  });
  return {
    set: {
      frames: set.frames,
      coeffs: set.coeffs,
      data: out,
      labels: Int32Array.from(keep.map((i) => set.labels[i])),
      examples: keep.map((i) => set.examples[i]),
      failed: [],
    },
    rows: keep,
  };
}
