import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { applyPrecision } from "../../host/compress/precision";
import {
  l1Mask,
  prunableConvs,
  pruneStructured,
  pruneUnstructured,
  removeChannels,
} from "../../host/compress/prune";
import type { QConv2D } from "../../host/compress/qlayers";
import { buildModel, countParams } from "../../host/models";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];

/** Zeroes output channel c of a conv (kernel and bias) and makes its BN (if any) output 0. */
function zeroChannel(m: tf.LayersModel, conv: string, c: number, bn?: string) {
  const l = m.getLayer(conv);
  const ws = l.getWeights().map((w) => w.arraySync());
  const zero = (a: unknown, depth: number): void => {
    if (depth === 0) (a as number[])[c] = 0;
    else for (const b of a as unknown[]) zero(b, depth - 1);
  };
  zero(ws[0], 3);
  if (ws.length > 1) zero(ws[1], 0);
  l.setWeights(ws.map((w) => tf.tensor(w as number[])));
  if (bn) {
    const b = m.getLayer(bn);
    const bw = b.getWeights().map((w) => Array.from(w.dataSync()));
    bw[1][c] = 0; // beta
    bw[2][c] = 0; // moving mean
    b.setWeights(bw.map((v) => tf.tensor1d(v)));
  }
}

describe("structured pruning", () => {
  it("removing only all-zero channels preserves the function (conv -> flatten -> dense)", () => {
    const m = buildModel("tinyconv", {
      inputShape: [12, 10, 1],
      numClasses: 3,
      filters: 6,
      dropout: 0,
    });
    zeroChannel(m, "conv0", 1);
    zeroChannel(m, "conv0", 4);
    const p = removeChannels(m, new Map([["conv0", [0, 2, 3, 5]]]));
    const x = tf.randomNormal([5, 12, 10, 1], 0, 1, "float32", 1);
    expect(maxDiff(m.predict(x) as tf.Tensor, p.predict(x) as tf.Tensor)).toBeLessThan(1e-5);
    expect(p.getLayer("conv0").getWeights()[0].shape).toEqual([10, 8, 1, 4]);
    expect(countParams(p)).toBe(countParams(m) - 2 * (10 * 8 + 1) - 2 * 6 * 5 * 3);
  });

  it("through BN, ReLU and a depthwise conv to the next pointwise conv (DS-CNN)", () => {
    const m = buildModel("ds-cnn-s", {
      inputShape: [12, 10, 1],
      numClasses: 3,
      filters: 8,
      blocks: 2,
    });
    expect(prunableConvs(m)).toEqual(["conv0", "pw1", "pw2"]);
    zeroChannel(m, "pw1", 3, "pw1_bn");
    // The depthwise channel fed by zeros must output zero through its BN as well.
    const dbn = m.getLayer("dw2_bn");
    const w = dbn.getWeights().map((t) => Array.from(t.dataSync()));
    w[1][3] = 0;
    w[2][3] = 0;
    dbn.setWeights(w.map((v) => tf.tensor1d(v)));
    const p = removeChannels(m, new Map([["pw1", [0, 1, 2, 4, 5, 6, 7]]]));
    const x = tf.randomNormal([3, 12, 10, 1], 0, 1, "float32", 2);
    expect(maxDiff(m.predict(x) as tf.Tensor, p.predict(x) as tf.Tensor)).toBeLessThan(1e-4);
    expect(p.getLayer("dw2").getWeights()[0].shape).toEqual([3, 3, 7, 1]);
    expect(p.getLayer("pw2").getWeights()[0].shape).toEqual([1, 1, 7, 8]);
  });

  it("residual convs are left alone; L1 pruning removes the requested share elsewhere", () => {
    const r = buildModel("res8-narrow", { inputShape: [12, 10, 1], numClasses: 3, filters: 8 });
    expect(prunableConvs(r)).toEqual(["conv1", "conv3", "conv5"]);
    const { model, removed } = pruneStructured(r, 0.5);
    expect(removed).toEqual({ conv1: 4, conv3: 4, conv5: 4 });
    expect((model.predict(tf.zeros([1, 12, 10, 1])) as tf.Tensor).shape).toEqual([1, 3]);
  });
});

describe("unstructured pruning", () => {
  it("L1 masks zero the smallest weights, and the masks stay frozen through training", () => {
    const k = tf.tensor([0.5, -0.1, 0.05, -2, 0.3, 0.01]);
    expect(Array.from(l1Mask(k, 0.5).dataSync())).toEqual([1, 0, 0, 1, 1, 0]);
    const m = applyPrecision(
      buildModel("tinyconv", { inputShape: [12, 10, 1], numClasses: 3, filters: 4, dropout: 0 }),
      "float",
      { masked: true },
    );
    const { pruned, total } = pruneUnstructured(m, 0.6);
    expect(pruned / total).toBeCloseTo(0.6, 2);
    const opt = tf.train.adam(0.05);
    for (let i = 0; i < 3; i++) {
      opt.minimize(
        () =>
          tf.mean(
            tf.square(
              m.apply(tf.randomNormal([4, 12, 10, 1], 0, 1, "float32", i), {
                training: true,
              }) as tf.Tensor,
            ),
          ) as tf.Scalar,
      );
    }
    const conv = m.getLayer("conv0") as QConv2D;
    const eff = conv.quantizedKernel().dataSync();
    const mask = conv.kernelMask?.read().dataSync() as Float32Array;
    expect(
      Array.from(eff)
        .filter((_, i) => mask[i] === 0)
        .every((v) => v === 0),
    ).toBe(true);
    expect(Array.from(mask).filter((v) => v === 0).length).toBe(Math.floor(0.6 * mask.length));
  });
});
