import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { calibrate, exportModel } from "../../host/compress/export";
import { modelReport } from "../../host/compress/model-report";
import { applyPrecision } from "../../host/compress/precision";
import { calibrateInputRanges } from "../../host/compress/ptq";
import { buildModel } from "../../host/models";
import { modelCost } from "../../host/search/cost";
import { type Family, trainSpec } from "../../host/search/space";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** Exports a small untrained candidate as the search would and reads the file's own report. */
function exported(
  family: Family,
  arch: { mfcc: number; depth: number; kernel: number; filters: number },
) {
  const s = trainSpec({ family, arch });
  const shape: [number, number, number] = [24, arch.mfcc, 1];
  const built = buildModel(s.model, {
    ...s.modelConfig,
    inputShape: shape,
    numClasses: 4,
  } as never);
  const analytic = modelCost(built, family);
  const m = applyPrecision(built, family);
  const calib = tf.randomNormal([16, ...shape], 0, 1, "float32", 3) as tf.Tensor4D;
  calibrateInputRanges(m, calib);
  const dm = exportModel(m, { labels: ["a", "b", "c", "d"], ranges: calibrate(m, calib) });
  const rep = modelReport(dm);
  return { analytic, report: rep.totals, layers: rep.layers };
}

describe("candidate cost before training", () => {
  it.each([
    ["int8", { mfcc: 10, depth: 2, kernel: 3, filters: 8 }],
    ["int8", { mfcc: 20, depth: 1, kernel: 5, filters: 4 }],
    ["binary", { mfcc: 10, depth: 2, kernel: 3, filters: 16 }],
  ] as const)("%s %j: MACs and binary MACs match the exported file", (family, arch) => {
    const { analytic, report, layers } = exported(family, arch);
    // The exporter may add a requantizing identity (a C x C dense after pooling): <= 1% more.
    expect(analytic.macs).toBeLessThanOrEqual(report.macs + report.binaryMacs);
    expect(analytic.macs).toBeGreaterThan((report.macs + report.binaryMacs) * 0.99);
    expect(analytic.binaryMacs).toBe(report.binaryMacs);
    expect(family === "binary" ? analytic.binaryMacs : 1).toBeGreaterThan(0);
    // Weights at their stored width: the file's own, less any requantizing identity (<= 15%).
    const fileWeights = layers.reduce(
      (n, l) =>
        n + (l.weights ? (l.weights.shape.reduce((a, b) => a * b, 1) * l.weights.bits) / 8 : 0),
      0,
    );
    expect(analytic.weightBytes).toBeLessThanOrEqual(fileWeights);
    expect(analytic.weightBytes).toBeGreaterThan(fileWeights * 0.85);
    // The file also stores per-channel multipliers and shifts beside the int32 bias counted here.
    expect(analytic.bytes).toBeLessThan(report.paramBytes);
  });

  it("counts bits: the same net is ~4x smaller at int8 than float, ~8x smaller binary than int8 in its middle layers", () => {
    const arch = { blocks: 3, kernel: 3, filters: 19, inputShape: [98, 40, 1], numClasses: 12 };
    const m = buildModel("res8", arch as never);
    const f = modelCost(m, "float");
    const q = modelCost(m, "int8");
    const q4 = modelCost(m, "int4");
    expect(f.bytes).toBe(f.params * 4);
    // res8-narrow: ~80 KiB float (seed 000's baseline), ~20 KiB int8.
    expect(f.bytes / 1024).toBeGreaterThan(75);
    expect(f.bytes / 1024).toBeLessThan(82);
    expect(q.bytes / 1024).toBeGreaterThan(18);
    expect(q.bytes / 1024).toBeLessThan(22);
    expect(q4.bytes).toBeLessThan(q.bytes * 0.6);
    expect(q.macs).toBe(f.macs);
  });
});
