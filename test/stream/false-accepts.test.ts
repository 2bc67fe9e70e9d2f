/**
 * What false accepts fired on (host/stream/false-accepts.ts): over another planted word, over a
 * planted keyword (wrong one or a repeat), or over noise alone; hits are never counted, and
 * matchEach names each detection's target the way hitTargets counts them.
 */
import { describe, expect, it } from "vitest";
import { falseAcceptCauses } from "../../host/stream/false-accepts";
import { hitTargets, matchEach, type Target } from "../../host/stream/match";
import { replayDetections } from "../../host/stream/replay";
import type { SweepContext } from "../../host/stream/sweep";
import type { PlantedClip } from "../../host/stream/truth";
import { perSecondTrace } from "./second-trace";

const labels = ["_silence_", "_unknown_", "yes", "no"];
const YES = 2;
const NO = 3;

const plant = (keyword: string, label: string, startMs: number): PlantedClip => ({
  keyword,
  label,
  startMs,
  endMs: startMs + 1000,
  snrDb: 5,
  clip: `${label}/${keyword}.wav`,
});

describe("falseAcceptCauses", () => {
  const planted: PlantedClip[] = [
    plant("yes", "yes", 2000), // hit at 3 s, then again at 5 s: a repeat over a keyword
    plant("learn", "_unknown_", 8000), // "no" fires at 9 s: over other speech
    plant("no", "no", 12000), // "yes" fires at 13 s: wrong keyword
    plant("five", "_unknown_", 16000), // "yes" at 17 s: over other speech
    plant("learn", "_unknown_", 20000), // "no" at 21 s: over other speech
    // 25 s: "yes" over nothing planted: noise alone
  ];
  const targets: Target[] = planted
    .filter((p) => p.label !== "_unknown_")
    .map((p) => ({ label: p.label, startMs: p.startMs, endMs: p.endMs }));
  const ctx: SweepContext = {
    labels,
    targets,
    durationMs: 28000,
    suppressionMs: 1000,
    toleranceMs: 500,
  };
  const b = perSecondTrace(
    {
      3: [YES, 0.9],
      5: [YES, 0.8],
      9: [NO, 0.9],
      13: [YES, 0.7],
      17: [YES, 0.9],
      21: [NO, 0.6],
      25: [YES, 0.95],
    },
    28,
  );

  it("sorts each false accept by what was planted under it", () => {
    // t = 5 s is 2 s after the yes plant ended: beyond the 500 ms tolerance, so noise alone.
    expect(falseAcceptCauses(b, 0.5, ctx, planted)).toEqual({
      total: 6,
      other_speech: 3,
      keywords: 1,
      noise_only: 2,
      detected_as: [
        { keyword: "yes", n: 4 },
        { keyword: "no", n: 2 },
      ],
      words: [
        { word: "learn", n: 2 },
        { word: "five", n: 1 },
        { word: "no", n: 1 },
      ],
    });
  });

  it("counts only detections above the threshold", () => {
    const f = falseAcceptCauses(b, 0.85, ctx, planted);
    // Above 0.85: the hit at 3 s, "no" over learn at 9 s, "yes" over five at 17 s, 25 s alone.
    expect([f.total, f.other_speech, f.keywords, f.noise_only]).toEqual([3, 2, 0, 1]);
    expect(falseAcceptCauses(b, 0.99, ctx, planted).total).toBe(0);
  });

  it("matchEach agrees with hitTargets and marks false accepts -1", () => {
    const dets = replayDetections(b, labels, 0.5, 1000);
    const { used, hitBy } = matchEach(dets, targets, 500);
    expect(used).toEqual(hitTargets(dets, targets, 500));
    expect([...hitBy]).toEqual([0, -1, -1, -1, -1, -1, -1]);
  });
});
