// Label smoothing in the classifier loss: the loss equals the cross-entropy against
// (1 - e) one-hot + e / classes, computed by hand, and 0 gives the plain loss.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { classifierLoss } from "../../host/train/step";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("label smoothing", () => {
  it("is the cross-entropy against smoothed one-hot targets", () => {
    const input = tf.input({ shape: [3] });
    const out = tf.layers
      .dense({ units: 4, kernelInitializer: "glorotNormal", useBias: true })
      .apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    // Fixed weights: with random ones the smoothed and plain losses can land close.
    model.setWeights([
      tf.tensor2d([
        [0.9, -0.4, 0.2, -1.1],
        [0.3, 0.8, -0.6, 0.5],
        [-0.7, 0.1, 1.2, -0.2],
      ]),
      tf.tensor1d([0.1, -0.2, 0.05, 0]),
    ]);
    const x = tf.tensor2d([
      [0.5, -1, 2],
      [1, 0.25, -0.5],
    ]);
    const labels = tf.tensor1d([2, 0], "int32");
    const logits = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const manual = (e: number) => {
      let sum = 0;
      logits.forEach((row, i) => {
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
        const label = [2, 0][i];
        row.forEach((v, k) => {
          const t = (k === label ? 1 - e : 0) + e / 4;
          sum -= t * (v - lse);
        });
      });
      return sum / logits.length;
    };
    for (const e of [0, 0.1, 0.3]) {
      const { loss, correct } = classifierLoss(model, { labelSmoothing: e })(x, labels);
      expect(loss.dataSync()[0]).toBeCloseTo(manual(e), 5);
      tf.dispose([loss, correct]);
    }
    expect(manual(0.1)).not.toBeCloseTo(manual(0), 3);
  });
});
