import { describe, expect, it } from "vitest";
import { analyzeClip } from "../../host/features/analyze";
import { heatmapSpec, poolMatrix, quantile } from "../../host/features/plot-specs";
import { extractFeatures, MFCC_30_10_40 } from "../../shared/features";
import { testSignal } from "./fixtures";

describe("feature plots", () => {
  it("poolMatrix averages blocks and keeps the edge remainder", () => {
    const m = [
      [1, 2, 3],
      [3, 4, 5],
      [5, 6, 7],
    ];
    const p = poolMatrix(m, 2, 2);
    expect([p.tStep, p.fStep]).toEqual([2, 2]);
    expect(p.data).toEqual([
      [2.5, 4],
      [5.5, 7],
    ]);
  });

  it("a long clip's heatmap stays within 300 x 128 cells", () => {
    const m = Array.from({ length: 6000 }, (_, t) => Array.from({ length: 257 }, (_, k) => t + k));
    const spec = heatmapSpec(
      m,
      { frameSeconds: 0.01, y0: 0, yStep: 31.25, yTitle: "Hz", colorTitle: "dB", scheme: "magma" },
      "t",
    ) as unknown as { data: { values: unknown[] } };
    const n = spec.data.values.length;
    expect(n).toBeLessThanOrEqual(300 * 128);
    expect(n).toBeGreaterThanOrEqual(300 * 64); // pooled, not thrown away: 6000/20 x ceil(257/3)
  });

  it("quantile picks order statistics", () => {
    expect(
      quantile(
        [
          [5, 1],
          [3, 2, 4],
        ],
        0,
      ),
    ).toBe(1);
    expect(
      quantile(
        [
          [5, 1],
          [3, 2, 4],
        ],
        0.5,
      ),
    ).toBe(3);
    expect(
      quantile(
        [
          [5, 1],
          [3, 2, 4],
        ],
        1,
      ),
    ).toBe(5);
  });

  it("analyzeClip's stages end in the same features as the batch API", () => {
    const x = testSignal(0.5, 9);
    const a = analyzeClip(x, MFCC_30_10_40);
    const f = extractFeatures(x, MFCC_30_10_40);
    expect(a.frames).toBe(f.frames);
    expect(a.features.flat()).toEqual(f.data);
    expect(a.spectrogramDb[0]).toHaveLength(257);
    expect(a.melLog[0]).toHaveLength(40);
    // The 440 Hz tone of the fixture is the loudest bin of the mean spectrum (bin 14 = 437.5 Hz).
    const peak = a.meanSpectrumDb.indexOf(Math.max(...a.meanSpectrumDb));
    expect(a.binHz[peak]).toBeCloseTo(437.5, 6);
  });
});
