import { readFileSync, writeFileSync } from "node:fs";
import type { ClipLoader } from "../data/clip";
import type { Example } from "../data/task";
import { WavError } from "../data/wav/read";
import { softmaxRows } from "./head";
import { exampleId } from "./ids";
import type { Teacher } from "./teacher";

/**
 * The soft-label cache: the teacher's class probabilities for every clip of one subset, written
 * once so distillation costs the trainer nothing per step. JSON (see README.md, "Soft labels"):
 * `probs[id]` is in `labels` order; `logits[id]` lets a reader re-temper without the teacher.
 */

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
  /** Example id (ids.ts) -> probabilities, 6 significant digits. */
  probs: Record<string, number[]>;
  /** Example id -> raw head logits, 6 significant digits. */
  logits: Record<string, number[]>;
  /** Examples whose audio could not be read (not in probs). */
  failed: string[];
}

const round = (a: Float32Array): number[] => Array.from(a, (v) => Number(v.toPrecision(6)));

/** Runs the teacher over `examples` (as loaded, no augmentation) into a cache object. */
export async function computeSoftLabels(
  teacher: Teacher,
  loader: ClipLoader,
  examples: readonly Example[],
  meta: Pick<SoftLabelCache, "source" | "temperature"> & { headPath: string },
  onProgress?: (done: number, total: number) => void,
): Promise<SoftLabelCache> {
  const cache: SoftLabelCache = {
    format: SOFT_LABELS_FORMAT,
    labels: teacher.labels,
    temperature: meta.temperature,
    source: meta.source,
    teacher: {
      head: meta.headPath,
      package: teacher.headFile.embedding.package,
      version: teacher.headFile.embedding.version,
    },
    probs: {},
    logits: {},
    failed: [],
  };
  for (let i = 0; i < examples.length; i++) {
    const id = exampleId(examples[i], meta.source.dataset);
    try {
      const lg = await teacher.teacherLogits(loader.load(examples[i]));
      cache.logits[id] = round(lg);
      cache.probs[id] = round(softmaxRows(lg, lg.length, meta.temperature));
    } catch (err) {
      if (!(err instanceof WavError)) throw err;
      cache.failed.push(id);
    }
    onProgress?.(i + 1, examples.length);
  }
  return cache;
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
