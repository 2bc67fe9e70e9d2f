import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { calibrate, exportModel } from "../../host/compress/export";
import { IntEvaluator } from "../../host/compress/int-eval";
import { applyPrecision } from "../../host/compress/precision";
import { calibrateInputRanges } from "../../host/compress/ptq";
import { fixedPoint, QBatchNorm } from "../../host/compress/qbatchnorm";
import { QDense } from "../../host/compress/qlayers";
import { buildSeeded } from "../../host/train/loop";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];

describe("seed 002 stage 2", () => {
  it("fixed-point quantizer: 2^(b-1) steps per unit on [-1, 1)", () => {
    expect(Array.from(fixedPoint(tf.tensor([0.3, -0.999, 1.5, -2, 0.5]), 4).dataSync())).toEqual([
      0.25, -1, 0.875, -1, 0.5,
    ]);
  });

  it("quantized BN at 16 bits matches BatchNormalization; at 8 bits it is close, in both modes", () => {
    const bn = tf.layers.batchNormalization({ epsilon: 1e-3 });
    const x = tf.add(tf.mul(tf.randomNormal([16, 5], 0, 1, "float32", 1), 3), 2);
    bn.apply(x);
    bn.setWeights([
      tf.tensor1d([1, 0.5, 2, -1, 1.5]),
      tf.tensor1d([0, 0.1, -0.2, 0.3, 0]),
      tf.tensor1d([2, 1, 3, 2, 2]),
      tf.tensor1d([9, 4, 8, 10, 9]),
    ]);
    for (const [bits, tol] of [
      [16, 2e-3],
      [8, 0.3],
    ] as const) {
      const q = new QBatchNorm({ epsilon: 1e-3, bits, cBn: 16 });
      q.apply(x);
      q.setWeights(bn.getWeights());
      expect(maxDiff(bn.apply(x) as tf.Tensor, q.apply(x) as tf.Tensor)).toBeLessThan(tol);
      expect(
        maxDiff(
          bn.apply(x, { training: true }) as tf.Tensor,
          q.apply(x, { training: true }) as tf.Tensor,
        ),
      ).toBeLessThan(tol * 2);
    }
  });

  it("stage 2 swaps in quantized BN and biases, keeps the tanh weights, and exports", () => {
    const shape = [21, 10, 1];
    // Seeded initial weights: an unseeded net agreed with its export on 79% to 100% of inputs
    // from run to run, so the bar below failed at random.
    const f = buildSeeded(
      "ffn",
      { inputShape: shape, numClasses: 3, widths: [16, 12], swapBnAct: true, clip: 6 },
      7,
    );
    const s1 = applyPrecision(f, "int4");
    const s2 = applyPrecision(s1, "int4", { stage2: { bits: 8, cBn: 16 } });
    expect(s2.layers.filter((l) => l instanceof QBatchNorm)).toHaveLength(2);
    const d = s2.layers.find((l) => l instanceof QDense) as QDense;
    expect(d.kernelQ?.config).toEqual({ kind: "tanh", bits: 4 });
    expect(d.biasQ?.bits).toBe(8);
    const calib = tf.randomNormal([64, ...shape], 0, 1, "float32", 3);
    calibrateInputRanges(s2, calib);
    const dm = exportModel(s2, { labels: ["a", "b", "c"], ranges: calibrate(s2, calib) });
    expect(dm.tensors.filter((t) => t.data && t.bits === 4).length).toBe(3);
    const ev = new IntEvaluator(dm);
    const x = tf.randomNormal([24, ...shape], 0, 1, "float32", 4);
    const pred = tf.argMax(s2.predict(x) as tf.Tensor, -1).dataSync();
    const flat = x.dataSync();
    let agree = 0;
    for (let i = 0; i < 24; i++) {
      const s = ev.run(flat.subarray(i * 210, (i + 1) * 210)).scores;
      if (s.indexOf(Math.max(...s)) === pred[i]) agree++;
    }
    expect(agree / 24).toBeGreaterThanOrEqual(0.85);
  });
});
