/**
 * Soft targets for distillation (issue 10's teacher lever): per training example, the teacher's
 * class probabilities from soft-label caches (`earshot teacher probs`, keyed by example id),
 * one-hot where no cache has the example. Augmented copies of a clip keep its clean clip's
 * targets, so distillation costs nothing per step.
 */

import { exampleId } from "../data/example-id";
import { readSoftLabels } from "../data/soft-labels";
import { TrainError } from "./errors";
import type { FeatureSet } from "./features";

/** Example id -> probabilities (label order), merged from every cache; the temperature they share. */
export interface SoftTargetTable {
  probs: Map<string, number[]>;
  temperature: number;
}

export function loadSoftTargets(
  files: readonly string[],
  labels: readonly string[],
): SoftTargetTable {
  const probs = new Map<string, number[]>();
  let temperature: number | null = null;
  for (const f of files) {
    let c: ReturnType<typeof readSoftLabels>;
    try {
      c = readSoftLabels(f, labels);
    } catch (e) {
      throw new TrainError(`--distill ${f}: ${(e as Error).message}`);
    }
    if (temperature !== null && c.temperature !== temperature)
      throw new TrainError(`--distill: caches at temperatures ${temperature} and ${c.temperature}`);
    temperature = c.temperature;
    for (const [id, p] of Object.entries(c.probs)) probs.set(id, p);
  }
  return { probs, temperature: temperature ?? 1 };
}

/** n x classes targets for a feature set of `root`'s examples; `matched` counts soft rows. */
export function targetsFor(
  set: FeatureSet,
  root: string,
  table: SoftTargetTable,
  classes: number,
): { targets: Float32Array; matched: number } {
  const targets = new Float32Array(set.labels.length * classes);
  let matched = 0;
  set.examples.forEach((ex, i) => {
    const p = table.probs.get(exampleId(ex, root));
    if (p && p.length === classes) {
      targets.set(p, i * classes);
      matched++;
    } else targets[i * classes + set.labels[i]] = 1;
  });
  return { targets, matched };
}
