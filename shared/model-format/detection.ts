/**
 * The detection fields of a model file, checked by `decodeModel` so that every reader (`inspect`,
 * `export`, OTA, the runtime on every engine) accepts and rejects the same files: one output
 * score per label, a threshold in 0..1, a smoothing window the runtime can hold, and the stride
 * and suppression metadata in range. The same bounds guard the runtime's own settings
 * (Detector.configure) and the CLI's overrides.
 */
import { ModelFormatError } from "./errors";
import { numel } from "./layout";
import type { DeviceModel, KeyValue } from "./types";

/** Longest moving-average window, in inferences (the runtime's smoother holds this many). */
export const MAX_SMOOTHING = 64;
/** Longest inference stride, in frames: 10 s at the 10 ms hop; beyond it nothing is heard. */
export const MAX_STRIDE_FRAMES = 1000;
/** Longest quiet period after a detection: one hour. */
export const MAX_SUPPRESSION_MS = 3_600_000;

/** The problem with these settings, or "" when they are in range. */
export function detectionSettingsProblem(
  threshold: number,
  smoothingWindow: number,
  strideFrames: number,
  suppressionMs: number,
): string {
  // Written as !(in range) so that NaN fails every test.
  if (!(threshold >= 0 && threshold <= 1)) return `threshold ${threshold} is not in 0..1`;
  if (!(smoothingWindow >= 1 && smoothingWindow <= MAX_SMOOTHING) || !isWhole(smoothingWindow))
    return `smoothing window ${smoothingWindow} is not a whole number in 1..${MAX_SMOOTHING}`;
  if (!(strideFrames >= 1 && strideFrames <= MAX_STRIDE_FRAMES) || !isWhole(strideFrames))
    return `strideFrames ${strideFrames} is not a whole number in 1..${MAX_STRIDE_FRAMES}`;
  if (!(suppressionMs >= 0 && suppressionMs <= MAX_SUPPRESSION_MS))
    return `suppressionMs ${suppressionMs} is not in 0..${MAX_SUPPRESSION_MS}`;
  return "";
}

function isWhole(x: number): boolean {
  return Math.floor(x) === x;
}

function metaValue(meta: KeyValue[], key: string, fallback: number): number {
  for (let i = 0; i < meta.length; i++) if (meta[i].key === key) return meta[i].value;
  return fallback;
}

/** Throws ModelFormatError when the model's detection fields are out of range. */
export function checkDetectionFields(model: DeviceModel): void {
  const classes = numel(model.tensors[model.output].shape);
  if (classes !== model.labels.length) {
    throw new ModelFormatError(
      `output has ${classes} scores for ${model.labels.length} labels`,
      -1,
    );
  }
  const problem = detectionSettingsProblem(
    model.threshold,
    model.smoothingWindow,
    metaValue(model.meta, "strideFrames", 1),
    metaValue(model.meta, "suppressionMs", 1000),
  );
  if (problem !== "") throw new ModelFormatError(problem, -1);
}
