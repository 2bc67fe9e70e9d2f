/**
 * `earshot ensemble`: an equal-weight ensemble of exported model files scored on a dataset with
 * the device's integer semantics. Each clip's features are computed once by the shared front end
 * (members must share it), each member normalizes them with its own header statistics and runs
 * in the integer evaluator, and the ensemble predicts the argmax of the members' mean
 * probabilities. Memory is the sum of the member files (seed 000: nothing is shared).
 */
import { statSync } from "node:fs";
import { extractFeatures } from "../../shared/features/frontend";
import type { DeviceModel } from "../../shared/model-format/types";
import { DeviceEnsemble, meanScores, memberMismatch } from "../compress/ensemble";
import { CompressError } from "../compress/errors";
import { ClipLoader, type SplitMode } from "../data";
import { type EvalResult, scorePredictions } from "../train/evaluate";
import {
  inputWindow,
  type ModelInput,
  modelExamples,
  modelInput,
  readDeviceModel,
  type ScoreSubset,
} from "./exported";

export interface EnsembleEvalOptions {
  data: string;
  splitMode?: SplitMode;
  noiseDir?: string;
  subset?: ScoreSubset;
}

/** Every member's probabilities on every example of a subset: scores[member][example][class]. */
export interface MemberScores {
  files: string[];
  bytes: number[];
  labels: string[];
  /** True class of each example. */
  truth: number[];
  scores: number[][][];
  subset: ScoreSubset;
  split: string;
}

export interface EnsembleReport {
  data: string;
  subset: string;
  split: string;
  n: number;
  members: { file: string; bytes: number; accuracy: number }[];
  ensemble: EvalResult & { bytes: number };
}

/** Reads the member files and checks that they can vote together (one line naming the file). */
export function readMembers(files: string[]): DeviceModel[] {
  if (files.length < 2)
    throw new CompressError(
      `an ensemble needs at least 2 models (got ${files.length}); repeat --model`,
    );
  const models = files.map(readDeviceModel);
  for (let i = 1; i < models.length; i++) {
    const d = memberMismatch(models[0], models[i]);
    if (d)
      throw new CompressError(
        `${files[i]}: ${d.what} ${d.other} differs from ${files[0]}'s ${d.first} (ensemble members must agree on labels, front end and input shape)`,
      );
  }
  return models;
}

/** Runs every member over the subset's clips once. */
export async function scoreMembers(
  files: string[],
  opts: EnsembleEvalOptions,
): Promise<MemberScores> {
  const models = readMembers(files);
  const inputs: ModelInput[] = models.map((m, i) => modelInput(files[i], m));
  const { examples, subset, split } = await modelExamples(models[0].labels, opts);
  const ens = new DeviceEnsemble(models);
  const loader = new ClipLoader();
  const scores: number[][][] = models.map(() => []);
  const truth: number[] = [];
  for (const ex of examples) {
    const f = extractFeatures(Float64Array.from(loader.load(ex)), inputs[0].frontEnd);
    const r = ens.run(inputs.map((inp, i) => inputWindow(files[i], inp, f)));
    r.members.forEach((s, i) => {
      scores[i].push(s);
    });
    truth.push(ex.label);
  }
  return {
    files,
    bytes: files.map((f) => statSync(f).size),
    labels: models[0].labels,
    truth,
    scores,
    subset,
    split,
  };
}

const argmax = (v: number[]) => v.reduce((b, x, i) => (x > v[b] ? i : b), 0);

/** Predictions of the ensemble of the given members (indices into `s.files`). */
export function ensemblePredictions(s: MemberScores, members: number[]): number[] {
  return s.truth.map((_, e) => argmax(meanScores(members.map((m) => s.scores[m][e]))));
}

/** Top-1 accuracy of the ensemble of the given members (one index: that member alone). */
export function ensembleAccuracy(s: MemberScores, members: number[]): number {
  const pred = ensemblePredictions(s, members);
  return pred.filter((p, e) => p === s.truth[e]).length / Math.max(1, pred.length);
}

export async function evalEnsemble(
  files: string[],
  opts: EnsembleEvalOptions,
): Promise<EnsembleReport> {
  const s = await scoreMembers(files, opts);
  const all = files.map((_, i) => i);
  const result = scorePredictions(ensemblePredictions(s, all), s.truth, s.labels);
  return {
    data: opts.data,
    subset: s.subset,
    split: s.split,
    n: s.truth.length,
    members: files.map((file, i) => ({
      file,
      bytes: s.bytes[i],
      accuracy: ensembleAccuracy(s, [i]),
    })),
    ensemble: { ...result, bytes: s.bytes.reduce((a, b) => a + b, 0) },
  };
}
