/**
 * Which examples `earshot eval` scores: one subset, "all", or several pooled with "+"
 * ("validation+test": a model that picked its checkpoint on neither, such as the synthetic-only
 * one, is judged on every real speaker it never heard, which narrows the interval).
 */
import { type Example, SPLITS, type Split, type Task } from "../data";
import { EvaluationError } from "./errors";

export type ScoreSubset = Split | "all" | `${Split}+${Split}`;

/** The splits a subset name pools, in the order named; throws on an unknown or repeated one. */
export function subsetSplits(subset: string): Split[] {
  if (subset === "all") return [...SPLITS];
  const parts = subset.split("+");
  for (const p of parts)
    if (!(SPLITS as readonly string[]).includes(p))
      throw new EvaluationError(
        `subset '${subset}': '${p}' is not one of ${SPLITS.join(", ")} (pool several with +, or all)`,
      );
  if (new Set(parts).size !== parts.length)
    throw new EvaluationError(`subset '${subset}' names a split twice`);
  return parts as Split[];
}

/** The examples of `subset`; an empty pool is an error naming the dataset and its split. */
export function subsetExamples(
  task: Task,
  subset: string,
  data: string,
  splitSource: string,
): Example[] {
  const examples = subsetSplits(subset).flatMap((s) => task.examples[s]);
  if (examples.length === 0)
    throw new EvaluationError(
      `${data}: the ${subset} subset is empty (split '${splitSource}'; try --split)`,
    );
  return examples;
}
