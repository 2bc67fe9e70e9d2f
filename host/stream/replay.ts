/**
 * The runtime's detection logic replayed over recorded raw scores, with the runtime's own stage
 * classes (device/runtime/stream MovingAverage and Trigger) and the Detector's arithmetic:
 * smoothed score = window sum * scale / window size; only the best non-"_" label may fire per
 * inference; it fires when its score >= threshold and no detection happened in the last
 * suppressionMs. A replayed operating point is therefore the run a device would make at those
 * settings (test/stream/replay.test.ts compares them with real runs).
 */
import { MAX_SMOOTHING } from "../../device/runtime/detector";
import { MovingAverage } from "../../device/runtime/stream/smoother";
import { Trigger } from "../../device/runtime/stream/trigger";
import type { ScoreTrace } from "./record";

/** Per inference, the label that may fire and its smoothed score, for one smoothing window. */
export interface BestTrace {
  smoothingWindow: number;
  times: number[];
  /** Class index, -1 when the model has no keyword label. */
  best: Int32Array;
  score: Float64Array;
}

export interface Detection {
  /** ms from stream start. */
  t: number;
  keyword: string;
  score: number;
}

export function bestPerInference(trace: ScoreTrace, smoothingWindow: number): BestTrace {
  const k = trace.labels.length;
  const sm = new MovingAverage(k, MAX_SMOOTHING, smoothingWindow);
  const n = trace.raw.length;
  const best = new Int32Array(n);
  const score = new Float64Array(n);
  const raw = new Array<number>(k).fill(0);
  // The runtime's own rule (Recognizer.process): the first largest sum * sign(scale) among
  // labels that may fire, then that one's sum * scale / size.
  const fires = trace.labels.map((l) => l.charAt(0) !== "_");
  const sign = Math.sign(trace.scale);
  for (let i = 0; i < n; i++) {
    // The trace holds raw scores already (zero point removed).
    const b = sm.push(trace.raw[i], 0, raw, fires, sign);
    const bs = b < 0 ? 0 : (sm.sum(b) * trace.scale) / sm.size();
    best[i] = b;
    score[i] = bs;
  }
  return { smoothingWindow, times: trace.times, best, score };
}

/** The detections a device makes at `threshold` / `suppressionMs` over this trace. */
export function replayDetections(
  b: BestTrace,
  labels: string[],
  threshold: number,
  suppressionMs: number,
): Detection[] {
  const trigger = new Trigger(threshold, suppressionMs);
  const out: Detection[] = [];
  for (let i = 0; i < b.best.length; i++) {
    if (b.best[i] < 0 || !trigger.check(b.score[i], b.times[i])) continue;
    out.push({ t: b.times[i], keyword: labels[b.best[i]], score: b.score[i] });
  }
  return out;
}
