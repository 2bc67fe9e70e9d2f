/**
 * The matching rule on constructed detection lists: hits, misses and false accepts counted
 * exactly, tolerance bounds inclusive, each plant hit once, and the rates derived from them.
 */
import { describe, expect, it } from "vitest";
import { matchDetections, operatingPoint, type Target } from "../../host/stream/match";

const plants: Target[] = [
  { label: "yes", startMs: 1000, endMs: 2000 },
  { label: "no", startMs: 5000, endMs: 6000 },
  { label: "yes", startMs: 9000, endMs: 10000 },
  { label: "no", startMs: 13000, endMs: 14000 },
];

describe("matchDetections", () => {
  it("counts a detection inside [start - tol, end + tol] of its keyword as a hit, bounds included", () => {
    const c = matchDetections(
      [
        { t: 500, keyword: "yes" }, // start - 500: hit on plant 0
        { t: 6500, keyword: "no" }, // end + 500: hit on plant 1
        { t: 10501, keyword: "yes" }, // 1 ms late for plant 2: false accept
        { t: 12499, keyword: "no" }, // 1 ms early for plant 3: false accept
      ],
      plants,
      500,
    );
    expect(c).toEqual({ targets: 4, hits: 2, misses: 2, falseAccepts: 2, detections: 4 });
  });

  it("counts each plant once, and the wrong keyword or no plant as false accepts", () => {
    const c = matchDetections(
      [
        { t: 1500, keyword: "yes" }, // hit
        { t: 2400, keyword: "yes" }, // second on the same plant: false accept
        { t: 5500, keyword: "yes" }, // wrong keyword on a "no": false accept
        { t: 7500, keyword: "no" }, // between plants: false accept
        { t: 9100, keyword: "yes" }, // hit
        { t: 13900, keyword: "no" }, // hit
      ],
      plants,
      500,
    );
    expect(c).toEqual({ targets: 4, hits: 3, misses: 1, falseAccepts: 3, detections: 6 });
  });

  it("gives a detection in two overlapping windows to the earliest unhit plant", () => {
    const close: Target[] = [
      { label: "yes", startMs: 0, endMs: 1000 },
      { label: "yes", startMs: 1200, endMs: 2200 },
    ];
    const c = matchDetections(
      [
        { t: 1100, keyword: "yes" },
        { t: 1300, keyword: "yes" },
        { t: 1400, keyword: "yes" },
      ],
      close,
      500,
    );
    expect(c).toEqual({ targets: 2, hits: 2, misses: 0, falseAccepts: 1, detections: 3 });
  });

  it("with nothing planted or nothing detected", () => {
    expect(matchDetections([{ t: 1, keyword: "yes" }], [], 500)).toEqual({
      targets: 0,
      hits: 0,
      misses: 0,
      falseAccepts: 1,
      detections: 1,
    });
    expect(matchDetections([], plants, 500)).toEqual({
      targets: 4,
      hits: 0,
      misses: 4,
      falseAccepts: 0,
      detections: 0,
    });
  });
});

describe("operatingPoint", () => {
  it("FRR = misses / plants, FA per hour of stream, FDR = false / all detections", () => {
    const p = operatingPoint(
      0.7,
      { targets: 4, hits: 3, misses: 1, falseAccepts: 3, detections: 6 },
      30 * 60_000,
    );
    expect(p).toEqual({
      threshold: 0.7,
      frr: 0.25,
      fa_per_hour: 6,
      fdr: 0.5,
      hits: 3,
      misses: 1,
      false_accepts: 3,
      detections: 6,
    });
    const none = operatingPoint(
      1,
      { targets: 0, hits: 0, misses: 0, falseAccepts: 0, detections: 0 },
      1000,
    );
    expect([none.frr, none.fa_per_hour, none.fdr]).toEqual([0, 0, 0]);
  });
});
