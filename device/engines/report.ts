/**
 * Turns an engine's raw result into what `earshot device run --json` prints: scores as numbers
 * (raw * scale), events with keyword, smoothed score and time. Host side.
 */
import { outputScale } from "../../shared/model-format/output-scale";
import type { DeviceModel } from "../../shared/model-format/types";
import type { EngineResult } from "./protocol";

export interface RunReport {
  events: { t: number; keyword: string; score: number; modelVersion: number }[];
  scores: number[][];
  /** Time (ms) of each row of `scores`. */
  times: number[];
  /** The label with the highest score in each row of `scores` (the first on a tie). */
  top: string[];
  labels: string[];
  engine: string;
  arenaPeakBytes: number;
  macsPerInference: { int8: number; binary: number };
  /**
   * int8 MACs per stride when each stride computed only its new rows (device/runtime/
   * incremental.ts); null when every inference ran the whole window.
   */
  streamingMacsPerStride: number | null;
  /** Counters and per-stage ms (front end / network / post-processing) from the engine. */
  stats: EngineResult["stats"];
  /** Which implementation served each kernel (and the front end) on this engine. */
  serving: EngineResult["serving"];
  /** Instructions callgrind counted, when the run was under callgrind; else null. */
  instructions: number | null;
}

/** `model`: the decoded file the engine ran (the caller decodes it once). */
export function buildReport(engine: string, model: DeviceModel, r: EngineResult): RunReport {
  const scale = outputScale(model);
  return {
    events: r.events.map((e) => ({
      t: e.t,
      keyword: model.labels[e.classIndex],
      score: (e.rawSum * scale) / e.window,
      modelVersion: model.modelVersion,
    })),
    scores: r.scores.map((row) => row.map((v) => v * scale)),
    times: r.times,
    top: r.scores.map((row) => model.labels[row.indexOf(Math.max(...row))]),
    labels: model.labels,
    engine,
    arenaPeakBytes: r.arenaPeakBytes,
    macsPerInference: { int8: r.intMacs, binary: r.binMacs },
    streamingMacsPerStride: r.streamingMacsPerStride ?? null,
    stats: r.stats,
    serving: r.serving,
    instructions: r.instructions ?? null,
  };
}
