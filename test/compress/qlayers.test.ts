import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelDir, saveModelDir } from "../../host/compress/checkpoint";
import { applyPrecision } from "../../host/compress/precision";
import { QConv2D, QDense, QDepthwiseConv2D } from "../../host/compress/qlayers";
import { signPlus } from "../../host/compress/quantizers";
import { buildModel } from "../../host/models";
import { MFCC_30_10_10 } from "../../shared/features";

let dir: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "earshot-qlayers-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];

/** The float twin of a quantized layer, with the given kernel (and zero bias). */
function floatTwin(kind: string, kernel: tf.Tensor, a: Record<string, unknown>): tf.layers.Layer {
  const l =
    kind === "conv"
      ? tf.layers.conv2d({
          filters: a.filters as number,
          kernelSize: a.kernelSize as number,
          strides: a.strides as number,
          padding: "same",
          useBias: true,
        })
      : kind === "dw"
        ? tf.layers.depthwiseConv2d({
            kernelSize: a.kernelSize as number,
            strides: a.strides as number,
            padding: "same",
            useBias: true,
          })
        : tf.layers.dense({ units: a.units as number, useBias: true });
  l.apply(tf.input({ shape: a.inShape as number[] }));
  l.setWeights([kernel, tf.zeros([l.getWeights()[1].shape[0]])]);
  return l;
}

describe("quantized layers vs their float twins (differential)", () => {
  const cases = [
    ["conv", { filters: 5, kernelSize: 3, strides: 2, inShape: [9, 7, 4] }],
    ["dw", { kernelSize: 3, strides: 1, inShape: [9, 7, 4] }],
    ["dense", { units: 6, inShape: [10] }],
  ] as const;
  const make = (kind: string, a: Record<string, unknown>, q: object) => {
    const args = { ...a, padding: "same" as const, ...q };
    return kind === "conv"
      ? new QConv2D(args)
      : kind === "dw"
        ? new QDepthwiseConv2D(args)
        : new QDense(args);
  };

  it.each(cases)("%s without quantizers equals the float layer", (kind, a) => {
    const q = make(kind, a, {});
    const x = tf.randomNormal([2, ...a.inShape], 0, 1, "float32", 3);
    const y = q.apply(x) as tf.Tensor;
    const twin = floatTwin(kind, q.getWeights()[0], a);
    twin.setWeights(q.getWeights());
    expect(maxDiff(y, twin.apply(x) as tf.Tensor)).toBeLessThan(1e-5);
  });

  it.each(cases)("binary %s equals the float layer on sign(x) with sign(w)", (kind, a) => {
    const q = make(kind, a, {
      kernelQuantizer: { kind: "ste_sign" },
      inputQuantizer: { kind: "ste_sign" },
      useBias: false,
    });
    const x = tf.randomNormal([2, ...a.inShape], 0, 1, "float32", 4);
    const y = q.apply(x) as tf.Tensor;
    const twin = floatTwin(kind, signPlus(q.getWeights()[0]), a);
    const ref = twin.apply(signPlus(x)) as tf.Tensor;
    expect(maxDiff(y, ref)).toBe(0);
    // Outputs of a binary layer are integers (dot products of ±1 over valid taps).
    expect(Array.from(y.dataSync()).every(Number.isInteger)).toBe(true);
  });

  it.each(
    cases,
  )("int8 %s equals the float layer on fake-quantized inputs and weights", (kind, a) => {
    const q = make(kind, a, {
      kernelQuantizer: { kind: "weight", bits: 8 },
      inputQuantizer: { kind: "act", bits: 8 },
    });
    const x = tf.randomNormal([2, ...a.inShape], 0, 1, "float32", 5);
    q.apply(x, { training: true }); // sets the input range from this batch
    const [lo, hi] = q
      .getWeights()
      .slice(-2)
      .map((t) => t.dataSync()[0]);
    expect(lo).toBeCloseTo(x.min().dataSync()[0], 5);
    expect(hi).toBeCloseTo(x.max().dataSync()[0], 5);
    const y = q.apply(x) as tf.Tensor;
    const twin = floatTwin(kind, q.quantizedKernel(), a);
    twin.setWeights([q.quantizedKernel(), q.getWeights()[1]]);
    const scale = (hi - lo) / 255;
    const zp = Math.round(-lo / scale);
    const xq = tf.mul(
      tf.sub(tf.clipByValue(tf.round(tf.add(tf.div(x, scale), zp)), 0, 255), zp),
      scale,
    );
    expect(maxDiff(y, twin.apply(xq) as tf.Tensor)).toBeLessThan(1e-4);
  });
});

describe("applyPrecision and checkpoints", () => {
  const cfg = { inputShape: [16, 10, 1] as [number, number, number], numClasses: 3, filters: 4 };

  it("float precision keeps the function; binary/int8 rebuild with quantized layers", () => {
    const m = buildModel("res8-narrow", cfg);
    const x = tf.randomNormal([2, 16, 10, 1], 0, 1, "float32", 6);
    const f = applyPrecision(m, "float");
    expect(maxDiff(m.predict(x) as tf.Tensor, f.predict(x) as tf.Tensor)).toBeLessThan(1e-5);
    const b = applyPrecision(m, "binary");
    const kinds = b.layers.filter((l) => l instanceof QConv2D || l instanceof QDense) as (
      | QConv2D
      | QDense
    )[];
    expect(kinds.map((l) => l.kernelQ?.bits)).toEqual([8, 1, 1, 1, 1, 1, 1, 8]);
    expect(kinds.map((l) => l.inputQ?.bits)).toEqual([8, 1, 1, 1, 1, 1, 1, 8]);
    expect((b.predict(x) as tf.Tensor).shape).toEqual([2, 3]);
  });

  it("a QAT model saves and loads with its quantizers and input ranges", async () => {
    const m = applyPrecision(buildModel("ds-cnn-s", { ...cfg, filters: 6, blocks: 1 }), "int4");
    const x = tf.randomNormal([3, 16, 10, 1], 0, 1, "float32", 8);
    m.apply(x, { training: true });
    const before = m.predict(x) as tf.Tensor;
    await saveModelDir(join(dir, "ck"), m, {
      format: "earshot-tfjs-checkpoint",
      version: 1,
      model: { name: "ds-cnn-s", config: {} },
      labels: ["a", "b", "c"],
      keywords: ["b", "c"],
      frontEnd: MFCC_30_10_10,
      inputNorm: { mean: [], std: [] },
      inputShape: [16, 10, 1],
      epoch: 0,
      step: 0,
      metrics: {},
      precision: "int4",
    });
    const { model, meta } = await loadModelDir(join(dir, "ck"));
    expect(meta.precision).toBe("int4");
    expect(maxDiff(before, model.predict(x) as tf.Tensor)).toBe(0);
    const q = model.layers.find((l) => l instanceof QConv2D) as QConv2D;
    expect(q.kernelQ?.config).toEqual({ kind: "tanh", bits: 4 });
  });

  it("a missing checkpoint is a clear user error", async () => {
    await expect(loadModelDir(join(dir, "nope"))).rejects.toThrow(/no earshot checkpoint here/);
  });
});
