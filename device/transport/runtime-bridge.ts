/**
 * Glue between the device runtime's Detector (device/runtime/detector.ts) and DeviceLink
 * (portable subset): commands become Detector settings, drained detection events become
 * detection messages, and the runtime's counters plus a score monitor become telemetry.
 * The Detector is seen through structural interfaces (the bridge test asserts that Detector
 * satisfies them) over its own settings and stats types, imported as types only (erased), so
 * this module does not pull the runtime into transport builds.
 */

import type { DetectorSettings, DetectorStats } from "../runtime/detector";
import type { LinkDetection, RuntimeControl, TelemetryCounters } from "./link";

export type { DetectorSettings, DetectorStats };

/** The Detector's settings API. */
export interface TunableDetector {
  configure(s: DetectorSettings): void;
  getSettings(): DetectorSettings;
}

/** The Detector's event queue. */
export interface DetectionQueue {
  pendingEvents(): number;
  event(i: number): { keyword: string; score: number; t: number };
  drainEvents(): void;
}

/** Commands applied to a Detector; invalid values are refused with the Detector's own message. */
export function detectorControl(
  d: TunableDetector,
  maxSmoothing: number,
  reboot: () => void,
): RuntimeControl {
  const apply = (change: (s: DetectorSettings) => void): string | undefined => {
    const s = d.getSettings();
    change(s);
    try {
      d.configure(s); // validates first; on error nothing changes
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message : "refused";
    }
  };
  return {
    setThreshold: (value, keyword) => {
      if (keyword !== undefined) return "per-keyword thresholds are not supported";
      return apply((s) => {
        s.threshold = value;
      });
    },
    setSmoothing: (window) => {
      if (!(window >= 1 && window <= maxSmoothing)) return `smoothing must be 1..${maxSmoothing}`;
      return apply((s) => {
        s.smoothingWindow = window;
      });
    },
    setStride: (frames) =>
      apply((s) => {
        s.strideFrames = frames;
      }),
    reboot,
  };
}

/**
 * Hand the Detector's pending events to the link and drain them. `t` is ms from stream start;
 * `t0Ms` (wall or uptime ms at stream start) turns it into the message's timeMs.
 */
export function forwardDetections(
  q: DetectionQueue,
  sink: { detection(d: LinkDetection): number },
  t0Ms: number,
): number {
  const n = q.pendingEvents();
  for (let i = 0; i < n; i++) {
    const e = q.event(i);
    sink.detection({ keyword: e.keyword, score: e.score, timeMs: t0Ms + e.t });
  }
  q.drainEvents();
  return n;
}

/**
 * Watches per-inference scores (Detector.onScores) for telemetry: a histogram of the best
 * keyword score (labels starting with "_" are not keywords) and near misses, counted once per
 * episode in which the best score rose above `floor * threshold` and fell back without reaching
 * the threshold. Scores here are unsmoothed, so this is a field-quality signal, not a replay of
 * the trigger.
 */
export class ScoreMonitor {
  readonly histogram: number[] = [];
  nearMisses = 0;
  /** Best keyword score and label of the last near-miss episode (for capture). */
  lastNearMiss = { score: 0, label: "" };
  private inEpisode = false;
  private reached = false;
  private peak = 0;
  private peakLabel = "";

  constructor(
    private readonly labels: string[],
    private readonly scoreScale: number,
    private readonly threshold: () => number,
    bins: number,
    private readonly floor: number,
  ) {
    for (let i = 0; i < bins; i++) this.histogram.push(0);
  }

  /** Pass as `detector.onScores(monitor.observe)` (an arrow property: safe to detach). */
  readonly observe = (raw: number[], _t: number): void => {
    let best = 0;
    let bestLabel = "";
    for (let c = 0; c < raw.length; c++) {
      if (this.labels[c].charAt(0) === "_") continue;
      const s = raw[c] * this.scoreScale;
      if (s > best) {
        best = s;
        bestLabel = this.labels[c];
      }
    }
    const bins = this.histogram.length;
    let bin = Math.floor(best * bins);
    if (bin >= bins) bin = bins - 1;
    if (bin < 0) bin = 0;
    this.histogram[bin]++;
    const thr = this.threshold();
    if (best >= this.floor * thr) {
      if (!this.inEpisode) {
        this.inEpisode = true;
        this.reached = false;
        this.peak = 0;
      }
      if (best >= thr) this.reached = true;
      if (best > this.peak) {
        this.peak = best;
        this.peakLabel = bestLabel;
      }
    } else if (this.inEpisode) {
      if (!this.reached) {
        this.nearMisses++;
        this.lastNearMiss = { score: this.peak, label: this.peakLabel };
      }
      this.inEpisode = false;
    }
  };
}

/** Telemetry counters from the Detector's cumulative stats, stage means since the last call. */
export class RuntimeTelemetry {
  private last: DetectorStats = {
    samples: 0,
    frames: 0,
    inferences: 0,
    detections: 0,
    droppedEvents: 0,
    frontEndMs: 0,
    networkMs: 0,
    postMs: 0,
  };

  constructor(
    private readonly stats: () => DetectorStats,
    private readonly monitor: ScoreMonitor | undefined,
  ) {}

  /** Pass as DeviceLinkOptions.telemetry (an arrow property: safe to detach). */
  readonly counters = (): TelemetryCounters => {
    const s = this.stats();
    const p = this.last;
    const frames = s.frames - p.frames;
    const inferences = s.inferences - p.inferences;
    const meanUs = (ms: number, calls: number) => (calls > 0 ? Math.round((ms * 1000) / calls) : 0);
    const out: TelemetryCounters = {
      frames: s.frames,
      inferences: s.inferences,
      detections: s.detections,
      nearMisses: this.monitor !== undefined ? this.monitor.nearMisses : 0,
      stages: [
        { stage: "frontend", meanUs: meanUs(s.frontEndMs - p.frontEndMs, frames) },
        { stage: "network", meanUs: meanUs(s.networkMs - p.networkMs, inferences) },
        { stage: "post", meanUs: meanUs(s.postMs - p.postMs, inferences) },
      ],
    };
    if (this.monitor !== undefined) out.histogram = this.monitor.histogram.slice();
    this.last = {
      samples: s.samples,
      frames: s.frames,
      inferences: s.inferences,
      detections: s.detections,
      droppedEvents: s.droppedEvents,
      frontEndMs: s.frontEndMs,
      networkMs: s.networkMs,
      postMs: s.postMs,
    };
    return out;
  };
}
