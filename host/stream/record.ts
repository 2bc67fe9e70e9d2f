/**
 * One pass of the device runtime over a stream, keeping what every later question needs: each
 * inference's raw scores (model output minus zero point) and time. Threshold and smoothing are
 * applied afterwards (replay.ts), so one run answers every operating point.
 */

import { type EngineName, runEngine } from "../../device/engines/run";
import type { Detector, DetectorSettings } from "../../device/runtime/detector";
import { loadDetector } from "../../device/runtime/load";
import { plainMemory } from "../../device/runtime/memory";
import { referenceKernels } from "../../shared/kernels/reference";

export interface ScoreTrace {
  engine: EngineName;
  labels: string[];
  /** Raw score -> score units (1/32768 for Q15 softmax outputs), as the runtime computes it. */
  scale: number;
  /** ms of each inference (end of the frame that completed its window). */
  times: number[];
  /** Raw scores per inference (exact integers). */
  raw: number[][];
  /** The settings a device loading this model starts with (its file's defaults). */
  defaults: DetectorSettings;
  samples: number;
  /**
   * int8 MACs per stride when the runtime computed only each stride's new rows (a time-causal
   * model; device/runtime/incremental.ts, bit-exact with the whole window); null when every
   * inference ran the whole window.
   */
  streamingMacsPerStride: number | null;
}

/** Float samples to the int16 the engines take, rounded and saturated as `device run` does. */
export function toInt16(x: ArrayLike<number>): Int16Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < out.length; i++) {
    const v = Math.round(x[i] * 32768);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

/** The defaults as the runtime's own Detector reads them from the file (no second copy of the rule). */
export function modelDefaults(modelBytes: Uint8Array): DetectorSettings {
  return hostDetector(modelBytes).getSettings();
}

/** The runtime's Detector on the portable kernels (scale, labels and defaults as a device has them). */
function hostDetector(modelBytes: Uint8Array): Detector {
  return loadDetector(Array.from(modelBytes), referenceKernels, plainMemory, () => 0);
}

/** Runs the model over the samples on `engine` at its default stride; throws the engine's errors. */
export async function recordScores(
  modelBytes: Uint8Array,
  samples: Int16Array,
  engine: EngineName = "node",
): Promise<ScoreTrace> {
  const det = hostDetector(modelBytes);
  const r = await runEngine(engine, modelBytes, samples);
  return {
    engine,
    labels: det.model.labels,
    scale: det.scoreScale,
    times: r.times,
    raw: r.scores,
    defaults: det.getSettings(),
    samples: samples.length,
    streamingMacsPerStride: r.streamingMacsPerStride ?? null,
  };
}
