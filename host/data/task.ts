import { EarshotError } from "../../shared/errors";
import type { Dataset, DatasetItem, NoiseFile } from "./dataset";
import { SILENCE_LABEL, STANDARD_KEYWORDS, UNKNOWN_LABEL } from "./labels";
import { Rng } from "./rng";
import { SPLITS, type Split, type SplitPercents } from "./split";
import { CLIP_SAMPLES } from "./wav/read";

/**
 * Turns a scanned dataset into a classification task: labels `_silence_`, `_unknown_`, then the
 * chosen keywords (the standard 12-class task by default), and per-subset example lists.
 * Following TensorFlow's speech_commands `prepare_data_index`: per subset, unknown examples are
 * sampled from the other words and silence examples added, each as a percentage of the subset's
 * keyword examples (rounded up). Everything is deterministic under `seed`.
 */

/** A clip on disk. */
export interface FileExample {
  kind: "file";
  path: string;
  label: number;
  /** The word spoken (`_silence_` for ready-made silence clips). */
  word: string;
  speaker: string | null;
}

/**
 * A silence clip to cut from background noise: the 1 s window at `noise.offset` (16 kHz
 * samples) scaled to RMS `rms`; all zeros when `noise` is null (no noise files available).
 */
export interface SilenceExample {
  kind: "silence";
  label: number;
  noise: { path: string; offset: number } | null;
  rms: number;
}

export type Example = FileExample | SilenceExample;

export interface TaskOptions {
  /** Keywords in label order (default: yes,no,up,down,left,right,on,off,go,stop). */
  keywords?: readonly string[];
  /** Include the `_silence_` class (default true). */
  includeSilence?: boolean;
  /** Include the `_unknown_` class (default true). */
  includeUnknown?: boolean;
  /**
   * Unknown examples per subset, as a percent of its keyword examples, or "all" for every
   * other-word clip. Default 10 for the full layout, "all" for the test-set layout (its
   * `_unknown_` folder is already the canonical sample).
   */
  unknownPercent?: number | "all";
  /**
   * Silence examples per subset, as a percent of its keyword examples. The test-set layout's
   * `_silence_` clips are used as they are ("all", its default) or sampled down to the percent;
   * otherwise windows are cut from background noise. Default 10 / "all".
   */
  silencePercent?: number | "all";
  /**
   * RMS range of cut silence, drawn log-uniformly. Default [0.001, 0.3]: the canonical test
   * set's `_silence_` clips measure RMS 0.001-0.24 (10th-90th percentile), median 0.026.
   */
  silenceRms?: [number, number];
}

export interface Task {
  /** Class names by index: `_silence_`, `_unknown_` (when included), then the keywords. */
  labels: string[];
  keywords: string[];
  examples: Record<Split, Example[]>;
  /** Keywords with no clip in the dataset, and similar non-fatal remarks. */
  warnings: string[];
}

/** A bad task definition (the CLI prints the message). */
export class TaskError extends EarshotError {
  constructor(message: string) {
    super("task", message);
    this.name = "TaskError";
  }
}

/**
 * The part of each background noise recording a subset may cut from, so silence and mixed-in
 * noise in validation/test never replay what training heard: train takes the first
 * (100 - validation - test)% of every file, then validation, then test.
 */
export function noiseRegion(split: Split, pct: SplitPercents): [number, number] {
  const trainEnd = 1 - (pct.validation + pct.test) / 100;
  const valEnd = trainEnd + pct.validation / 100;
  if (split === "train") return [0, trainEnd];
  if (split === "validation") return [trainEnd, valEnd];
  return [valEnd, 1];
}

function checkKeywords(keywords: readonly string[]): string[] {
  const out = keywords.map((k) => k.trim().toLowerCase()).filter((k) => k.length > 0);
  if (out.length === 0) throw new TaskError("no keywords given");
  const seen = new Set<string>();
  for (const k of out) {
    if (k === SILENCE_LABEL || k === UNKNOWN_LABEL)
      throw new TaskError(`'${k}' is a reserved label, not a keyword`);
    if (seen.has(k)) throw new TaskError(`keyword '${k}' given twice`);
    seen.add(k);
  }
  return out;
}

function checkPercent(name: string, v: number | "all"): void {
  if (v !== "all" && (!Number.isFinite(v) || v < 0))
    throw new TaskError(`${name} must be a non-negative number or "all" (got ${v})`);
}

function count(percent: number | "all", base: number, available: number): number {
  if (percent === "all") return available;
  return Math.min(available, Math.ceil((base * percent) / 100));
}

function cutSilence(
  n: number,
  noise: NoiseFile[],
  region: [number, number],
  rmsRange: [number, number],
  label: number,
  rng: Rng,
): SilenceExample[] {
  const out: SilenceExample[] = [];
  const bounds = (f: NoiseFile) => [
    Math.floor(f.samples * region[0]),
    Math.floor(f.samples * region[1]),
  ];
  const usable = noise.filter((f) => {
    const [a, b] = bounds(f);
    return b - a >= CLIP_SAMPLES;
  });
  const [lo, hi] = rmsRange.map(Math.log);
  for (let i = 0; i < n; i++) {
    const rms = Math.exp(rng.uniform(lo, hi));
    if (usable.length === 0) {
      out.push({ kind: "silence", label, noise: null, rms });
      continue;
    }
    const f = rng.pick(usable);
    const [start, stop] = bounds(f);
    const end = stop - CLIP_SAMPLES;
    out.push({
      kind: "silence",
      label,
      noise: { path: f.path, offset: start + rng.int(end - start + 1) },
      rms,
    });
  }
  return out;
}

/** Builds the task's labels and per-subset examples from `dataset`. */
export function buildTask(dataset: Dataset, opts: TaskOptions = {}, seed = 0): Task {
  const keywords = checkKeywords(opts.keywords ?? STANDARD_KEYWORDS);
  const includeSilence = opts.includeSilence ?? true;
  const includeUnknown = opts.includeUnknown ?? true;
  const testSet = dataset.layout === "test-set";
  const unknownPct = opts.unknownPercent ?? (testSet ? "all" : 10);
  const silencePct = opts.silencePercent ?? (testSet ? "all" : 10);
  checkPercent("unknownPercent", unknownPct);
  checkPercent("silencePercent", silencePct);
  const rmsRange = opts.silenceRms ?? [0.001, 0.3];
  if (!(rmsRange[0] > 0 && rmsRange[1] >= rmsRange[0]))
    throw new TaskError(`silenceRms must be 0 < lo <= hi (got ${rmsRange})`);

  const labels = [
    ...(includeSilence ? [SILENCE_LABEL] : []),
    ...(includeUnknown ? [UNKNOWN_LABEL] : []),
    ...keywords,
  ];
  const index = new Map(labels.map((l, i) => [l, i]));
  const warnings = keywords
    .filter((k) => !dataset.words.includes(k))
    .map((k) => `keyword '${k}' has no clips in ${dataset.root}`);
  const hasSilenceClips = dataset.items.some((i) => i.silence);
  if (includeSilence && !hasSilenceClips && dataset.noise.length === 0)
    warnings.push("no background noise files: silence examples are all zeros");

  const root = new Rng(seed);
  const file = (it: DatasetItem, label: number): FileExample => ({
    kind: "file",
    path: it.path,
    label,
    word: it.word,
    speaker: it.speaker,
  });
  const examples = {} as Record<Split, Example[]>;
  for (const split of SPLITS) {
    const rng = root.fork(split);
    const inSplit = dataset.items.filter((i) => i.split === split);
    const known: Example[] = [];
    const unknown: DatasetItem[] = [];
    const silence: DatasetItem[] = [];
    for (const it of inSplit) {
      if (it.silence) silence.push(it);
      else if (keywords.includes(it.word)) known.push(file(it, index.get(it.word) as number));
      else unknown.push(it);
    }
    const out = [...known];
    if (includeUnknown) {
      const label = index.get(UNKNOWN_LABEL) as number;
      const n = count(unknownPct, known.length, unknown.length);
      const picked = rng.fork("unknown").shuffle(unknown.slice()).slice(0, n);
      out.push(...picked.map((it) => file(it, label)));
    }
    if (includeSilence) {
      const label = index.get(SILENCE_LABEL) as number;
      const srng = rng.fork("silence");
      if (hasSilenceClips) {
        const n = count(silencePct, known.length, silence.length);
        out.push(
          ...srng
            .shuffle(silence.slice())
            .slice(0, n)
            .map((it) => file(it, label)),
        );
      } else {
        const n = count(silencePct === "all" ? 10 : silencePct, known.length, Infinity);
        const region = noiseRegion(split, dataset.percents);
        const span = region[1] - region[0];
        if (
          n > 0 &&
          dataset.noise.length > 0 &&
          !dataset.noise.some((f) => f.samples * span >= CLIP_SAMPLES)
        )
          warnings.push(
            `no noise recording has 1 s in the ${split} region: its silence is all zeros`,
          );
        out.push(...cutSilence(n, dataset.noise, region, rmsRange, label, srng));
      }
    }
    examples[split] = rng.fork("order").shuffle(out);
  }
  return { labels, keywords, examples, warnings };
}
