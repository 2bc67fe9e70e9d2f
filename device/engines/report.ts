/**
 * Turns an engine's raw result into what `earshot device run --json` prints: scores as numbers
 * (raw * scale), events with keyword, smoothed score and time. Host side.
 */
import { decodeModel } from "../../shared/model-format/decode";
import { type DeviceModel, OP_SOFTMAX } from "../../shared/model-format/types";
import type { EngineResult } from "./protocol";

export interface RunReport {
  events: { t: number; keyword: string; score: number; modelVersion: number }[];
  scores: number[][];
  /** Time (ms) of each row of `scores`. */
  times: number[];
  labels: string[];
  engine: string;
  arenaPeakBytes: number;
  macsPerInference: { int8: number; binary: number };
  /** Counters and per-stage ms (front end / network / post-processing) from the engine. */
  stats: EngineResult["stats"];
  /** Which implementation served each kernel (and the front end) on this engine. */
  serving: EngineResult["serving"];
}

/** The factor from raw scores to score units (Q15 softmax outputs: 1/32768), as the device. */
export function scoreScale(model: DeviceModel): number {
  const last = model.ops[model.ops.length - 1];
  if (last.code === OP_SOFTMAX && last.outputs[0] === model.output) return 1 / 32768;
  const out = model.tensors[model.output];
  return out.scales.length > 0 ? out.scales[0] : 1;
}

export function buildReport(engine: string, modelBytes: Uint8Array, r: EngineResult): RunReport {
  const model = decodeModel(Array.from(modelBytes));
  const scale = scoreScale(model);
  return {
    events: r.events.map((e) => ({
      t: e.t,
      keyword: model.labels[e.classIndex],
      score: (e.rawSum * scale) / e.window,
      modelVersion: model.modelVersion,
    })),
    scores: r.scores.map((row) => row.map((v) => v * scale)),
    times: r.times,
    labels: model.labels,
    engine,
    arenaPeakBytes: r.arenaPeakBytes,
    macsPerInference: { int8: r.intMacs, binary: r.binMacs },
    stats: r.stats,
    serving: r.serving,
  };
}
