import type { Dataset, SkippedFile } from "./dataset";
import { SPLITS, type Split, type SplitPercents } from "./split";
import type { Task } from "./task";

/** What `earshot data stats` reports: per class and per word, counts per subset and speakers. */

export interface ClassStats {
  name: string;
  train: number;
  validation: number;
  test: number;
  total: number;
  /** Distinct speakers (0 for silence). */
  speakers: number;
}

export interface DatasetStats {
  root: string;
  layout: Dataset["layout"];
  version: Dataset["version"];
  splitSource: Dataset["splitSource"];
  percents: SplitPercents;
  files: { read: number; skipped: number };
  /** Speakers in more than one subset: 0 unless split lists say otherwise. */
  speakersAcrossSubsets: number;
  noise: { path: string; seconds: number }[];
  /** The task's classes, in label order (silence counts include cut-from-noise examples). */
  classes: ClassStats[];
  /** Every spoken word present, whatever the task does with it. */
  words: ClassStats[];
  warnings: string[];
  skipped: SkippedFile[];
}

function tally(name: string, entries: { split: Split; speaker: string | null }[]): ClassStats {
  const n = { train: 0, validation: 0, test: 0 };
  const speakers = new Set<string>();
  for (const e of entries) {
    n[e.split]++;
    if (e.speaker) speakers.add(e.speaker);
  }
  return { name, ...n, total: entries.length, speakers: speakers.size };
}

export function datasetStats(ds: Dataset, task: Task): DatasetStats {
  const byWord = new Map<string, { split: Split; speaker: string | null }[]>();
  const subsets = new Map<string, Set<Split>>();
  for (const it of ds.items) {
    const list = byWord.get(it.word) ?? [];
    list.push(it);
    byWord.set(it.word, list);
    if (it.speaker) subsets.set(it.speaker, (subsets.get(it.speaker) ?? new Set()).add(it.split));
  }
  const classes = task.labels.map((label, index) =>
    tally(
      label,
      SPLITS.flatMap((split) =>
        task.examples[split]
          .filter((e) => e.label === index)
          .map((e) => ({ split, speaker: e.kind === "file" ? e.speaker : null })),
      ),
    ),
  );
  return {
    root: ds.root,
    layout: ds.layout,
    version: ds.version,
    splitSource: ds.splitSource,
    percents: ds.percents,
    files: { read: ds.items.length, skipped: ds.skipped.length },
    speakersAcrossSubsets: [...subsets.values()].filter((s) => s.size > 1).length,
    noise: ds.noise.map((f) => ({ path: f.path, seconds: f.samples / 16000 })),
    classes,
    words: [...byWord.keys()].sort().map((w) => tally(w, byWord.get(w) ?? [])),
    warnings: task.warnings,
    skipped: ds.skipped,
  };
}

function table(rows: ClassStats[]): string[] {
  const w = Math.max(8, ...rows.map((r) => r.name.length));
  const head = `${"class".padEnd(w)}  ${"train".padStart(7)} ${"val".padStart(6)} ${"test".padStart(6)} ${"total".padStart(7)} ${"speakers".padStart(8)}`;
  return [
    head,
    ...rows.map(
      (r) =>
        `${r.name.padEnd(w)}  ${String(r.train).padStart(7)} ${String(r.validation).padStart(6)} ${String(r.test).padStart(6)} ${String(r.total).padStart(7)} ${String(r.speakers).padStart(8)}`,
    ),
  ];
}

/** The human-readable form of the report. */
export function formatStats(s: DatasetStats): string {
  const lines = [
    `${s.root}: ${s.layout} layout${s.version ? ` (${s.version})` : ""}, split by ${s.splitSource}` +
      (s.splitSource === "hash" || s.splitSource === "speaker"
        ? ` (${100 - s.percents.validation - s.percents.test}:${s.percents.validation}:${s.percents.test})`
        : ""),
    `${s.files.read} clips read, ${s.files.skipped} skipped, ${s.noise.length} background noise files` +
      (s.speakersAcrossSubsets
        ? `, ${s.speakersAcrossSubsets} speakers in more than one subset`
        : ""),
    "",
    ...table(s.classes),
  ];
  if (s.warnings.length) lines.push("", ...s.warnings.map((w) => `warning: ${w}`));
  if (s.skipped.length) {
    lines.push("", "skipped:");
    for (const k of s.skipped) lines.push(`  ${k.path}: ${k.reason}`);
  }
  return lines.join("\n");
}
