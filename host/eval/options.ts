/** What `earshot eval` is asked and what it answers, for checkpoints and exported files alike. */
import type { SplitMode } from "../data";
import type { EvalResult } from "../train/evaluate";
import type { ScoreSubset } from "./subsets";

export interface EvalOptions {
  model: string;
  data: string;
  splitMode?: SplitMode;
  noiseDir?: string;
  cacheDir?: string | null;
  /** Which subset to score (default "test"); several pooled with "+" (subsets.ts). */
  subset?: ScoreSubset;
  /** For an exported model file: a checkpoint to score on the same examples, side by side. */
  checkpoint?: string;
  /** For an exported model file: another one to compare with, clip by clip (a paired gain). */
  against?: string;
  /** Called after each example an exported model scores (the integer evaluator is the slow one). */
  onProgress?: (done: number, total: number) => void;
}

export interface EvalReport extends EvalResult {
  model: string;
  data: string;
  subset: string;
  split: string;
}
