/**
 * The soft-label cache: a teacher's class probabilities for every clip of one subset, written
 * once (host/teacher computes it) so distillation costs the trainer nothing per step. JSON (see
 * host/teacher/README.md, "Soft labels"): `probs[id]` is in `labels` order; `logits[id]` lets a
 * reader re-temper without the teacher. Here, below both the teacher and the trainer, since
 * both read and write it.
 */
import { readFileSync, writeFileSync } from "node:fs";

export const SOFT_LABELS_FORMAT = "earshot-teacher-probs/1";

export interface SoftLabelCache {
  format: typeof SOFT_LABELS_FORMAT;
  /** Class names, in the order of every probs/logits row. */
  labels: string[];
  /** probs = softmax(logits / temperature). */
  temperature: number;
  /** Which clips: dataset folder, split mode, subset, task seed. */
  source: { dataset: string; splitMode: string; subset: string; seed: number };
  teacher: { head: string; package: string; version: string };
  /** Example id (example-id.ts) -> probabilities, 6 significant digits. */
  probs: Record<string, number[]>;
  /** Example id -> raw head logits, 6 significant digits. */
  logits: Record<string, number[]>;
  /** Examples whose audio could not be read (not in probs). */
  failed: string[];
}

export function writeSoftLabels(path: string, cache: SoftLabelCache): void {
  writeFileSync(path, `${JSON.stringify(cache)}\n`);
}

/** Reads and checks a cache; `expectLabels` guards against a teacher trained on other classes. */
export function readSoftLabels(path: string, expectLabels?: readonly string[]): SoftLabelCache {
  const c = JSON.parse(readFileSync(path, "utf8")) as SoftLabelCache;
  if (c.format !== SOFT_LABELS_FORMAT)
    throw new Error(`${path}: not a soft-label cache (format '${c.format}')`);
  if (expectLabels && c.labels.join(",") !== expectLabels.join(","))
    throw new Error(`${path}: labels ${c.labels.join(",")} differ from ${expectLabels.join(",")}`);
  return c;
}
