/** Message builders for fleet tests. */
import type { Detection, OtaReport, Status, Telemetry } from "../../protocol/messages";

export function det(seq: number, over: Partial<Detection> = {}): Detection {
  return {
    seq,
    timeMs: 1_700_000_000_000 + seq * 1000,
    clockSynced: true,
    keyword: "yes",
    score: 0.875,
    modelId: "kws",
    modelVersion: 1,
    ...over,
  };
}

export function tel(seq: number): Telemetry {
  return {
    seq,
    timeMs: 1_700_000_000_000 + seq,
    uptimeMs: seq * 10_000,
    modelId: "kws",
    modelVersion: 1,
    frames: 100 * seq,
    inferences: 50 * seq,
    detections: seq,
    nearMisses: 2,
    buffered: 0,
    dropped: 0,
    reconnects: 1,
    stages: [{ stage: "mfcc", meanUs: 120, maxUs: 300 }],
    batteryMv: 3700,
    histogram: [5, 1, 0, 1],
  };
}

export function status(online: boolean, over: Partial<Status> = {}): Status {
  return { online, timeMs: 1_700_000_000_000, runtime: "0.1.0", ...over };
}

export function report(over: Partial<OtaReport> = {}): OtaReport {
  return {
    modelId: "kws",
    version: 2,
    outcome: "activated",
    activeModelId: "kws",
    activeVersion: 2,
    timeMs: 1_700_000_100_000,
    ...over,
  };
}
