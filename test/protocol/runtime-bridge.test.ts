/** The runtime bridge: commands -> Detector settings, events -> detections, stats -> telemetry. */
import { describe, expect, it } from "vitest";
import type { Detector } from "../../device/runtime/detector";
import {
  type DetectionQueue,
  type DetectorSettings,
  type DetectorStats,
  detectorControl,
  forwardDetections,
  RuntimeTelemetry,
  ScoreMonitor,
  type TunableDetector,
} from "../../device/transport/runtime-bridge";

// The real Detector fits the bridge's structural interfaces (checked by tsc).
type Fits = [
  Detector extends TunableDetector & DetectionQueue ? true : never,
  Detector["stats"] extends DetectorStats ? true : never,
];
const detectorFitsBridge: Fits = [true, true]; // a compile-time check: tsc fails if Detector drifts
void detectorFitsBridge;

/** Validates the way Detector.configure does: throw and change nothing. */
class FakeDetector {
  settings: DetectorSettings = {
    threshold: 0.7,
    smoothingWindow: 3,
    strideFrames: 2,
    suppressionMs: 1000,
  };
  configure(s: DetectorSettings): void {
    if (!(s.strideFrames >= 1 && Math.floor(s.strideFrames) === s.strideFrames)) {
      throw new Error(`strideFrames must be a whole number >= 1, got ${s.strideFrames}`);
    }
    this.settings = { ...s };
  }
  getSettings(): DetectorSettings {
    return { ...this.settings };
  }
}

describe("runtime bridge", () => {
  it("commands change one setting each; refusals leave settings untouched and explain", () => {
    const d = new FakeDetector();
    let reboots = 0;
    const c = detectorControl(d, 64, () => reboots++);
    expect(c.setThreshold(0.55, undefined)).toBeUndefined();
    expect(c.setSmoothing(5)).toBeUndefined();
    expect(c.setStride(4)).toBeUndefined();
    expect(d.settings).toEqual({
      threshold: 0.55,
      smoothingWindow: 5,
      strideFrames: 4,
      suppressionMs: 1000,
    });
    expect(c.setThreshold(0.9, "yes")).toMatch(/per-keyword/);
    expect(c.setSmoothing(65)).toMatch(/1\.\.64/);
    expect(c.setStride(0)).toMatch(/strideFrames must be/);
    expect(d.settings).toEqual({
      threshold: 0.55,
      smoothingWindow: 5,
      strideFrames: 4,
      suppressionMs: 1000,
    });
    c.reboot();
    expect(reboots).toBe(1);
  });

  it("forwards pending events with stream time turned into message time, then drains", () => {
    const events = [
      { keyword: "yes", score: 0.8, t: 500 },
      { keyword: "no", score: 0.9, t: 1500 },
    ];
    let pending = 2;
    const got: unknown[] = [];
    const n = forwardDetections(
      {
        pendingEvents: () => pending,
        event: (i) => events[i],
        drainEvents: () => {
          pending = 0;
        },
      },
      { detection: (d) => got.push(d) },
      1_000_000,
    );
    expect(n).toBe(2);
    expect(got).toEqual([
      { keyword: "yes", score: 0.8, timeMs: 1_000_500 },
      { keyword: "no", score: 0.9, timeMs: 1_001_500 },
    ]);
    expect(pending).toBe(0);
  });

  it("score monitor: histogram of the best keyword score and one near miss per episode", () => {
    // Labels: background first (ignored), two keywords; raw scores in Q15 (scale 1/32768).
    const m = new ScoreMonitor(["_silence_", "yes", "no"], 1 / 32768, () => 0.8, 10, 0.5);
    const q = (x: number) => Math.round(x * 32768);
    const seq = [0.12, 0.45, 0.62, 0.72, 0.33, 0.55, 0.92, 0.22, 0.65, 0.22];
    for (const s of seq) m.observe([q(0.99), q(s), q(s / 2)], 0);
    // Episodes above 0.4: [0.45 0.62 0.72] (miss), [0.55 0.92] (reached), [0.65] (miss).
    expect(m.nearMisses).toBe(2);
    expect(m.histogram).toEqual([0, 1, 2, 1, 1, 1, 2, 1, 0, 1]);
  });

  it("telemetry: cumulative counters, stage means since the previous report", () => {
    let s: DetectorStats = {
      samples: 0,
      frames: 100,
      inferences: 50,
      detections: 1,
      droppedEvents: 0,
      frontEndMs: 20,
      networkMs: 100,
      postMs: 5,
    };
    const t = new RuntimeTelemetry(() => s, undefined);
    expect(t.counters()).toEqual({
      frames: 100,
      inferences: 50,
      detections: 1,
      nearMisses: 0,
      stages: [
        { stage: "frontend", meanUs: 200 },
        { stage: "network", meanUs: 2000 },
        { stage: "post", meanUs: 100 },
      ],
    });
    s = { ...s, frames: 200, inferences: 60, frontEndMs: 30, networkMs: 130, postMs: 5 };
    expect(t.counters().stages).toEqual([
      { stage: "frontend", meanUs: 100 },
      { stage: "network", meanUs: 3000 },
      { stage: "post", meanUs: 0 },
    ]);
  });
});
