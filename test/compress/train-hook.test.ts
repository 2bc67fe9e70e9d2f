import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveModelDir } from "../../host/compress/checkpoint";
import { applyPrecision, type Precision } from "../../host/compress/precision";
import { QConv2D } from "../../host/compress/qlayers";
import { precisionLoss, precisionModel } from "../../host/compress/train-hook";
import { buildModel } from "../../host/models";
import { MFCC_30_10_10 } from "../../shared/features";

let dir: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "earshot-train-hook-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cfg = {
  inputShape: [12, 8, 1] as [number, number, number],
  numClasses: 2,
  filters: 8,
  blocks: 1,
};

/** A separable toy task: class = sign of the mean of the top half of the map. */
function toyBatch(n: number, seed: number) {
  const x = tf.randomNormal([n, 12, 8, 1], 0, 1, "float32", seed);
  const y = tf.cast(
    tf.greater(tf.mean(x.slice([0, 0, 0, 0], [n, 6, 8, 1]), [1, 2, 3]), 0),
    "int32",
  ) as tf.Tensor1D;
  return { x, y };
}

function trainSteps(m: tf.LayersModel, steps: number, lr: number): number[] {
  const opt = tf.train.adam(lr);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { x, y } = toyBatch(32, i);
    const l = opt.minimize(() => {
      const logits = m.apply(x, { training: true }) as tf.Tensor;
      const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(y, 2), logits) as tf.Scalar;
      return tf.add(ce, precisionLoss(m)) as tf.Scalar;
    }, true) as tf.Scalar;
    losses.push(l.dataSync()[0]);
  }
  return losses;
}

describe("training hook", () => {
  it.each([
    ["int8", 1e-2],
    ["int4", 1e-2],
    ["binary", 1e-2],
  ] as const)("%s: gradients flow through the quantizers (loss falls over 40 steps)", (precision, lr) => {
    // Dense layers keep the CPU-backend steps fast; BN after ReLU keeps the binary layer's sign informative.
    const m = buildModel("ffn", {
      inputShape: [12, 8, 1],
      numClasses: 2,
      widths: [16, 16],
      downsample: 1,
      swapBnAct: true,
    });
    const q = applyPrecision(m, precision as Precision);
    const losses = trainSteps(q, 40, lr);
    const head = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const tail = losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(tail).toBeLessThan(head);
  });

  it("int4 from scratch starts at the target distribution and adds its penalty", async () => {
    const q = await precisionModel(buildModel("res8-narrow", cfg), { precision: "int4" });
    const conv = q.layers.find((l) => l instanceof QConv2D && l.name === "conv1") as QConv2D;
    const { variance } = tf.moments(conv.kernel.read());
    expect(Math.sqrt(variance.dataSync()[0])).toBeCloseTo(0.6, 1);
    expect(precisionLoss(q).dataSync()[0]).toBeGreaterThan(0);
  });

  it("--from copies the float checkpoint's weights by layer name", async () => {
    const f = buildModel("res8-narrow", cfg);
    await saveModelDir(join(dir, "f"), f, {
      format: "earshot-tfjs-checkpoint",
      version: 1,
      model: { name: "res8-narrow", config: cfg },
      labels: ["a", "b"],
      keywords: ["b"],
      frontEnd: MFCC_30_10_10,
      inputNorm: { mean: [], std: [] },
      inputShape: cfg.inputShape,
      epoch: 0,
      step: 0,
      metrics: {},
    });
    const q = await precisionModel(buildModel("res8-narrow", cfg), {
      precision: "float",
      from: join(dir, "f"),
    });
    const x = tf.randomNormal([2, 12, 8, 1]);
    expect(
      tf.max(tf.abs(tf.sub(f.predict(x) as tf.Tensor, q.predict(x) as tf.Tensor))).dataSync()[0],
    ).toBeLessThan(1e-5);
  });
});
