/**
 * `earshot eval --model FILE`: accuracy of an exported device model file computed with the
 * device's integer semantics (host/eval/host-int-model: the native addon's C kernels, else the
 * wasm kernels; both the device's bits, as IntEvaluator's), on features computed
 * in float64 by the shared front end and normalized as the device does — so the number reported
 * is the number a device gets. With `--checkpoint DIR` the source checkpoint (float or
 * fake-quant) is scored on the same examples, side by side, and the gap is reported.
 */
import { readFileSync } from "node:fs";
import { frontEndFromKeyValues } from "../../device/runtime/frontend-config";
import type { FrontEndConfig } from "../../shared/features/config";
import { extractFeatures, type Features } from "../../shared/features/frontend";
import { type InputNorm, normalizeFrames, readInputNorm } from "../../shared/features/input-norm";
import { decodeModel } from "../../shared/model-format/decode";
import type { DeviceModel } from "../../shared/model-format/types";
import { buildTask, ClipLoader, type Example, type SplitMode, scanDataset } from "../data";
import { scorePredictions } from "../train/evaluate";
import { evalCheckpoint } from "./checkpoint";
import { EvaluationError } from "./errors";
import { type HostInferencePath, openHostIntModel } from "./host-int-model";
import type { EvalOptions, EvalReport } from "./options";
import { type SpeakerInterval, speakerInterval } from "./speaker-interval";
import { type ScoreSubset, subsetExamples } from "./subsets";

export interface ExportedEvalReport extends EvalReport {
  /** Which host kernels ran the integer model. */
  inference: HostInferencePath;
  /** The accuracy's 95% interval when speakers, not clips, are resampled. */
  bySpeaker: SpeakerInterval;
  /**
   * With `against`: that model on the same examples, this one's accuracy minus its (`gain`) and
   * the gain's 95% interval with speakers resampled (paired: both models see the same draws).
   */
  versus?: { model: string; accuracy: number; gain: number; ci95: [number, number] };
  /** Accuracy of each representation on the same examples, and the integer model's gap. */
  sideBySide?: {
    checkpoint: string;
    checkpointAccuracy: number;
    integerAccuracy: number;
    gap: number;
  };
}

export function readDeviceModel(file: string): DeviceModel {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new EvaluationError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  try {
    return decodeModel(Array.from(bytes));
  } catch (e) {
    throw new EvaluationError(`${file}: not a valid earshot model: ${(e as Error).message}`);
  }
}

/** An exported model's input as its header describes it: front end, window, normalization. */
export interface ModelInput {
  frontEnd: FrontEndConfig;
  frames: number;
  coeffs: number;
  norm: InputNorm | null;
}

export function modelInput(file: string, model: DeviceModel): ModelInput {
  const [frames, coeffs] = model.tensors[model.input].shape;
  try {
    const frontEnd = frontEndFromKeyValues(model.frontEnd);
    return { frontEnd, frames, coeffs, norm: readInputNorm(model.meta, coeffs) };
  } catch (e) {
    throw new EvaluationError(`${file}: ${(e as Error).message}`);
  }
}

/** The model's first input window over a clip's features, normalized as the device does. */
export function inputWindow(file: string, input: ModelInput, f: Features): number[] {
  if (f.frames < input.frames) {
    throw new EvaluationError(
      `${file}: the model wants ${input.frames} frames, a clip gives ${f.frames}`,
    );
  }
  const data = f.data.slice(0, input.frames * input.coeffs);
  if (input.norm !== null) normalizeFrames(data, 0, input.frames, input.coeffs, input.norm);
  return data;
}

export type { ScoreSubset };

/** The examples of one subset of a dataset, checked against a model's labels. */
export async function modelExamples(
  labels: string[],
  opts: { data: string; splitMode?: SplitMode; noiseDir?: string; subset?: ScoreSubset },
): Promise<{ examples: Example[]; subset: ScoreSubset; split: string }> {
  const keywords = labels.filter((l) => !l.startsWith("_"));
  const ds = await scanDataset(opts.data, {
    splitMode: opts.splitMode ?? "auto",
    noiseDir: opts.noiseDir,
  });
  const task = buildTask(ds, { keywords }, 0);
  if (task.labels.join(",") !== labels.join(",")) {
    throw new EvaluationError(
      `${opts.data}: the dataset's classes (${task.labels.join(", ")}) differ from the model's (${labels.join(", ")})`,
    );
  }
  const subset = opts.subset ?? "test";
  const examples = subsetExamples(task, subset, opts.data, ds.splitSource);
  return { examples, subset, split: ds.splitSource };
}

/** The integer model's top class for each example, and which host kernels ran it. */
function predictExported(
  file: string,
  model: DeviceModel,
  examples: readonly Example[],
  onProgress?: (done: number, total: number) => void,
): { predicted: number[]; path: HostInferencePath } {
  const input = modelInput(file, model);
  const loader = new ClipLoader();
  const ev = openHostIntModel(model);
  const predicted: number[] = [];
  for (const ex of examples) {
    const f = extractFeatures(Float64Array.from(loader.load(ex)), input.frontEnd);
    const scores = ev.run(inputWindow(file, input, f));
    let best = 0;
    for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
    predicted.push(best);
    onProgress?.(predicted.length, examples.length);
  }
  return { predicted, path: ev.path };
}

export async function evalExportedModel(
  file: string,
  opts: EvalOptions & { checkpoint?: string; against?: string },
): Promise<ExportedEvalReport> {
  const model = readDeviceModel(file);
  const { examples, subset, split } = await modelExamples(model.labels, opts);
  const { predicted, path } = predictExported(file, model, examples, opts.onProgress);
  const labels = examples.map((ex) => ex.label);
  const speakers = examples.map((ex) => (ex.kind === "file" ? ex.speaker : null));
  const result = scorePredictions(predicted, labels, model.labels);
  const report: ExportedEvalReport = {
    ...result,
    bySpeaker: speakerInterval(
      predicted.map((p, i) => p === labels[i]),
      speakers,
    ),
    model: file,
    data: opts.data,
    subset,
    split,
    inference: path,
  };
  if (opts.against) {
    const other = readDeviceModel(opts.against);
    if (other.labels.join(",") !== model.labels.join(","))
      throw new EvaluationError(
        `${opts.against}: its classes (${other.labels.join(", ")}) differ from ${file}'s`,
      );
    const theirs = predictExported(opts.against, other, examples).predicted;
    const diff = predicted.map((p, i) => Number(p === labels[i]) - Number(theirs[i] === labels[i]));
    const gain = speakerInterval(diff, speakers);
    report.versus = {
      model: opts.against,
      accuracy: scorePredictions(theirs, labels, model.labels).accuracy,
      gain: diff.reduce((a, d) => a + d, 0) / diff.length,
      ci95: gain.ci95,
    };
  }
  if (opts.checkpoint) {
    const float = await evalCheckpoint({ ...opts, model: opts.checkpoint });
    report.sideBySide = {
      checkpoint: float.model,
      checkpointAccuracy: float.accuracy,
      integerAccuracy: result.accuracy,
      gap: result.accuracy - float.accuracy,
    };
  }
  return report;
}
