/**
 * Near-miss capture on a simulated device running the real runtime (synthetic FFN model, fake
 * clock): off until a setCapture command opts the device in; then near misses go out as windows
 * flagged nearMiss, never more than the hourly budget.
 */
import { describe, expect, it } from "vitest";
import type { LinkDetection } from "../../device/transport/link";
import { syntheticFfnModel } from "../../host/compress/synthetic-models";
import { syntheticBank } from "../../host/fleet/sim/audio-stream";
import { RuntimeDetector } from "../../host/fleet/sim/runtime-detector";
import { encodeModel } from "../../shared/model-format/encode";

function run(capturePerHour: number | undefined, seconds: number) {
  // Threshold 0.9: the planted tones rise towards it without always reaching it (near misses).
  const model = Uint8Array.from(
    encodeModel({ ...syntheticFfnModel({ seed: 2 }), modelVersion: 1, threshold: 0.9 }),
  );
  let now = 0;
  const det = new RuntimeDetector({
    model,
    now: () => now,
    stream: {
      keywords: ["yes", "no"],
      clips: syntheticBank(["yes", "no"], 16000),
      everyMs: 1500,
      phaseMs: 300,
      seed: 3,
    },
  });
  const out: LinkDetection[] = [];
  det.start((d) => out.push(d));
  det.stop(); // ticks are driven by hand below
  if (capturePerHour !== undefined) {
    const c = det.control();
    expect(c.setCapture?.(capturePerHour)).toBeUndefined();
  }
  for (let i = 0; i < seconds * 10; i++) {
    now += 100;
    det.tick();
  }
  return { out, nearMisses: det.counters().nearMisses };
}

describe("near-miss capture", () => {
  it("sends nothing until opted in; then near-miss windows, within the hourly budget", () => {
    const off = run(undefined, 60);
    expect(off.nearMisses).toBeGreaterThan(3);
    expect(off.out.filter((d) => d.nearMiss)).toHaveLength(0);

    // 120 per hour over one minute of audio: at most the initial token plus 2 refills.
    const on = run(120, 60);
    const nm = on.out.filter((d) => d.nearMiss);
    expect(nm.length).toBeGreaterThan(0);
    expect(nm.length).toBeLessThanOrEqual(3);
    expect(nm.length).toBeLessThan(on.nearMisses);
    for (const d of nm) {
      expect(d.features).toHaveLength(90);
      expect(d.featureScale).toBeGreaterThan(0);
      expect(d.score).toBeLessThan(0.9);
    }
  });

  it("refuses a budget out of range", () => {
    const det = new RuntimeDetector({
      model: Uint8Array.from(encodeModel(syntheticFfnModel({ seed: 1 }))),
      stream: { keywords: [], clips: new Map(), everyMs: 1000, phaseMs: 0, seed: 1 },
    });
    expect(det.control().setCapture?.(99_999)).toMatch(/0\.\.3600/);
  });
});
