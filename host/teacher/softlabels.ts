import type { ClipLoader } from "../data/clip";
import { exampleId } from "../data/example-id";
import { SOFT_LABELS_FORMAT, type SoftLabelCache } from "../data/soft-labels";
import type { Example } from "../data/task";
import { WavError } from "../data/wav/read";
import { softmaxRows } from "./head";
import type { Teacher } from "./teacher";

const round = (a: Float32Array): number[] => Array.from(a, (v) => Number(v.toPrecision(6)));

/**
 * Runs the teacher over `examples` (as loaded, no augmentation) into a soft-label cache object
 * (host/data/soft-labels.ts: its format, reading and writing).
 */
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
