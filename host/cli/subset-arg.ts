import { type ScoreSubset, subsetSplits } from "../eval/subsets";
import { UserError } from "./errors";

/** --subset of eval and ensemble: one split, all, or several pooled with + (checked by name). */
export function subsetArg(v: string): ScoreSubset {
  try {
    subsetSplits(v);
  } catch (e) {
    throw new UserError(`--subset: ${(e as Error).message}`);
  }
  return v as ScoreSubset;
}
