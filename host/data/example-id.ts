import { basename, relative, sep } from "node:path";
import type { Example } from "./task";

/**
 * Stable ids for task examples, the keys of the soft-label cache. A clip on disk is its path
 * relative to the dataset root with "/" separators (`yes/0a7c2a8d_nohash_0.wav`, the split
 * lists' form), so the cache survives moving the dataset folder. A silence example cut from
 * background noise has no file: it is `_silence_@<noise file>:<offset>:<rms>`, everything
 * that fixes its audio.
 */
export function exampleId(ex: Example, datasetRoot: string): string {
  if (ex.kind === "file") return relative(datasetRoot, ex.path).split(sep).join("/");
  const src = ex.noise ? `${basename(ex.noise.path)}:${ex.noise.offset}` : "zeros:0";
  return `_silence_@${src}:${ex.rms.toPrecision(6)}`;
}
