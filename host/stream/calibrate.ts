/**
 * `earshot calibrate`: picks the operating point for a false-accept budget on a recorded stream
 * and writes it into a copy of the model as its detector defaults (the file's threshold and
 * smoothingWindow fields, shared/model-format), so every device that loads the copy starts
 * there. For each candidate smoothing window: the lowest threshold meeting the budget; of those,
 * the one that misses fewest keywords (ties: fewer false accepts, then the shorter window,
 * which reacts sooner).
 */

import { EarshotError } from "../../shared/errors";
import { decodeModel } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import type { RecordedStream } from "./evaluate";
import { sweepContext } from "./evaluate";
import { DEFAULT_TOLERANCE_MS, type OperatingPoint } from "./match";
import { bestPerInference } from "./replay";
import { lowestMeeting } from "./sweep";

/** Smoothing windows tried by default, beside the model's own. */
export const DEFAULT_WINDOWS = [1, 2, 3, 4, 6, 8];

export interface Calibration {
  targetFaPerHour: number;
  threshold: number;
  smoothingWindow: number;
  /** Unchanged from the model (kept in the file's metadata). */
  suppressionMs: number;
  strideFrames: number;
  toleranceMs: number;
  point: OperatingPoint;
  /** Each window tried and its best point (null: no threshold meets the budget). */
  tried: { smoothingWindow: number; point: OperatingPoint | null }[];
}

/** No operating point with a detection meets the budget (the CLI prints the message). */
export class CalibrationError extends EarshotError {
  constructor(message: string) {
    super("calibration", message);
    this.name = "CalibrationError";
  }
}

function better(a: OperatingPoint, wa: number, b: OperatingPoint, wb: number): boolean {
  if (a.frr !== b.frr) return a.frr < b.frr;
  if (a.false_accepts !== b.false_accepts) return a.false_accepts < b.false_accepts;
  return wa < wb;
}

export function calibrateRecorded(
  r: RecordedStream,
  targetFaPerHour: number,
  windows: number[] = DEFAULT_WINDOWS,
  toleranceMs = DEFAULT_TOLERANCE_MS,
): Calibration {
  const d = r.trace.defaults;
  const ctx = sweepContext(r, d.suppressionMs, toleranceMs);
  const all = [...new Set([...windows, d.smoothingWindow])].sort((a, b) => a - b);
  const tried = all.map((w) => ({
    smoothingWindow: w,
    point: lowestMeeting(bestPerInference(r.trace, w), ctx, targetFaPerHour),
  }));
  let pick: { smoothingWindow: number; point: OperatingPoint } | null = null;
  for (const t of tried) {
    if (t.point === null) continue;
    if (pick === null || better(t.point, t.smoothingWindow, pick.point, pick.smoothingWindow))
      pick = { smoothingWindow: t.smoothingWindow, point: t.point };
  }
  if (pick === null) {
    // Only a threshold that detects nothing meets it; a short stream makes that likely, since
    // one false accept on it is many per hour.
    const onePerHour = 3_600_000 / r.durationMs;
    throw new CalibrationError(
      `no threshold meets ${targetFaPerHour} false accepts per hour on ${r.streamPath} (smoothing ${all.join(",")}): the highest-scoring detection is a false accept, and on this ${(r.durationMs / 60_000).toPrecision(2)}-minute stream one false accept is ${onePerHour.toPrecision(3)} per hour`,
    );
  }
  return {
    targetFaPerHour,
    threshold: pick.point.threshold,
    smoothingWindow: pick.smoothingWindow,
    suppressionMs: d.suppressionMs,
    strideFrames: d.strideFrames,
    toleranceMs,
    point: pick.point,
    tried,
  };
}

/** A copy of the model file with new detector defaults (everything else, version included, kept). */
export function withDetectorDefaults(
  modelBytes: Uint8Array,
  threshold: number,
  smoothingWindow: number,
): Uint8Array {
  const m = decodeModel(Array.from(modelBytes));
  return Uint8Array.from(encodeModel({ ...m, threshold, smoothingWindow }));
}
