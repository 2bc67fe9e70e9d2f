/**
 * A replayed operating point is a real run: the detections replayed from one recorded pass
 * (host/stream/replay.ts) equal the device runtime's own events when it runs at that threshold
 * and smoothing window (`earshot device run`'s engine call), for thresholds across the scores
 * that occur.
 */
import { describe, expect, it } from "vitest";
import { runEngine } from "../../device/engines/run";
import { syntheticInt8Model } from "../../host/compress/synthetic-models";
import { recordScores } from "../../host/stream/record";
import { bestPerInference, replayDetections } from "../../host/stream/replay";
import { candidateThresholds, spread } from "../../host/stream/sweep";
import { encodeModel } from "../../shared/model-format/encode";
import { testSignal } from "../device/golden";

const model = syntheticInt8Model();
const bytes = Uint8Array.from(
  encodeModel({ ...model, meta: [{ key: "suppressionMs", value: 300 }] }),
);
const samples = testSignal(21, 16000 * 6);

describe("replay", () => {
  it("equals the runtime's events at each threshold and smoothing window", async () => {
    const trace = await recordScores(bytes, samples, "node");
    expect(trace.defaults.suppressionMs).toBe(300);
    expect(trace.times.length).toBeGreaterThan(100);
    let compared = 0;
    let suppressed = 0;
    for (const w of [1, 3, 5]) {
      const best = bestPerInference(trace, w);
      const thresholds = spread(candidateThresholds(best), 6);
      for (const threshold of thresholds) {
        const replayed = replayDetections(best, trace.labels, threshold, 300);
        const real = await runEngine("node", bytes, samples, { threshold, smoothingWindow: w });
        expect(replayed.map((d) => [d.t, d.keyword])).toEqual(
          real.events.map((e) => [e.t, model.labels[e.classIndex]]),
        );
        expect(replayed.map((d) => d.score)).toEqual(
          real.events.map((e) => (e.rawSum * trace.scale) / e.window),
        );
        compared += real.events.length;
        if (replayDetections(best, trace.labels, threshold, 0).length > replayed.length)
          suppressed++;
      }
    }
    expect(compared).toBeGreaterThan(30);
    // Suppression decided some of these runs: replayed without it they would differ.
    expect(suppressed).toBeGreaterThan(0);
  });
});
