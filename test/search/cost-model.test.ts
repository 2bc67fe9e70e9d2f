import { describe, expect, it } from "vitest";
import {
  fitCalibration,
  loadCalibration,
  predictInstrPerSecond,
} from "../../host/search/cost-model";

describe("device cost model", () => {
  it("recovers known coefficients from exact points", () => {
    const truth = { c0: 5e7, cInt8: 1.2, cBin: 0.15, cAct: 80, inferencesPerSecond: 10 };
    const feats = [
      { int8Macs: 1e5, binaryMacs: 0, activations: 2e4 },
      { int8Macs: 2e6, binaryMacs: 0, activations: 5e4 },
      { int8Macs: 1e5, binaryMacs: 4e6, activations: 3e4 },
      { int8Macs: 6e5, binaryMacs: 9e6, activations: 9e4 },
      { int8Macs: 8e6, binaryMacs: 0, activations: 1e5 },
    ];
    const cal = fitCalibration(
      feats.map((f, i) => ({
        name: `p${i}`,
        features: f,
        measured: predictInstrPerSecond(f, truth),
      })),
      10,
      "synthetic",
    );
    expect(cal.c0 / truth.c0).toBeCloseTo(1, 6);
    expect(cal.cInt8).toBeCloseTo(truth.cInt8, 6);
    expect(cal.cBin).toBeCloseTo(truth.cBin, 6);
    expect(cal.cAct).toBeCloseTo(truth.cAct, 4);
    expect(cal.error.maxAbsRel).toBeLessThan(1e-9);
  });

  it("the committed calibration predicts its callgrind-measured points within its stated error", () => {
    const cal = loadCalibration();
    expect(cal, "host/search/device-cost.json (npx tsx bench/device-cost/run.ts)").not.toBeNull();
    if (!cal) return;
    expect(cal.points.length).toBeGreaterThanOrEqual(5);
    for (const p of cal.points) {
      const rel = Math.abs(predictInstrPerSecond(p.features, cal) - p.measured) / p.measured;
      expect(rel).toBeLessThanOrEqual(cal.error.maxAbsRel + 1e-9);
    }
    // The stated error is what the points give, and it is not hidden: under 25% on every point.
    expect(cal.error.maxAbsRel).toBeLessThan(0.25);
    // Both kinds of kernels were measured, and a binary MAC costs less than an int8 one.
    expect(cal.points.some((p) => p.features.binaryMacs > 0)).toBe(true);
    expect(cal.cBin).toBeLessThan(cal.cInt8);
  });
});
