/**
 * Where a virtual device's detections come from: RuntimeDetector (runtime-detector.ts) runs the
 * real device runtime on a synthetic audio stream; ScheduledDetector fires keywords at known
 * times without any audio, cheap enough for thousands of devices, so a simulation's ground truth
 * is exact (what was said when) and ingest can be checked against it.
 */
import type {
  LinkDetection,
  RuntimeControl,
  TelemetryCounters,
} from "../../../device/transport/link";

export interface DetectorHook {
  /** Start producing detections; `emit` hands each to the device link. */
  start(emit: (d: LinkDetection) => void): void;
  stop(): void;
  /** Counters for telemetry (frames, inferences, detections, near misses, stage timings). */
  counters(): TelemetryCounters;
  /** A new model is active (after OTA): reload it. */
  modelChanged?(model: Uint8Array): void;
  /** OTA validation beyond the model format: throw if this detector cannot run the model. */
  validate?(model: Uint8Array): void;
  /** Where fleet commands (threshold, smoothing, stride) go; none: they are accepted and ignored. */
  control?(): RuntimeControl;
}

export interface Schedule {
  /** Keywords said, cycled in order. */
  keywords: string[];
  /** One keyword every this many ms per device. */
  everyMs: number;
  /** Offset of the first keyword (spreads devices over the period). */
  phaseMs: number;
}

/** Fires schedule.keywords[i % n] at phase + i * everyMs; counts what it fired. */
export class ScheduledDetector implements DetectorHook {
  private timer?: ReturnType<typeof setTimeout>;
  private fired = 0;
  private readonly startedAt = Date.now();

  constructor(private readonly s: Schedule) {}

  start(emit: (d: LinkDetection) => void): void {
    const fire = () => {
      const keyword = this.s.keywords[this.fired % this.s.keywords.length];
      this.fired++;
      emit({ keyword, score: 0.8 + (0.19 * ((this.fired * 7919) % 100)) / 100 });
      this.timer = setTimeout(fire, this.s.everyMs);
    };
    this.timer = setTimeout(fire, this.s.phaseMs);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  counters(): TelemetryCounters {
    const ms = Date.now() - this.startedAt;
    const frames = Math.floor(ms / 10); // 10 ms hop
    return {
      frames,
      inferences: Math.floor(frames / 2),
      detections: this.fired,
      nearMisses: 0,
      stages: [{ stage: "schedule", meanUs: 0, maxUs: 0 }],
    };
  }

  get count(): number {
    return this.fired;
  }
}
