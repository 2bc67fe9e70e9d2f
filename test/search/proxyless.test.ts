import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { buildModel } from "../../host/models";
import { modelCost } from "../../host/search/cost";
import { archLoss, expectedOps } from "../../host/search/proxyless/ops-loss";
import {
  choiceOps,
  choices,
  fixedOps,
  type ProxylessSpace,
} from "../../host/search/proxyless/space";
import { archStep, weightStep } from "../../host/search/proxyless/steps";
import { fakeQuant8, Supernet } from "../../host/search/proxyless/supernet";
import { loadBackend } from "../../host/train/backend";

beforeAll(async () => {
  // The training backend (wasm here): the search's steps must have every gradient kernel there.
  await loadBackend({ quiet: true });
});

const SPACE: ProxylessSpace = {
  channels: 4,
  blocks: 2,
  expansions: [1, 3],
  kernels: [3, 5],
  headChannels: 8,
};

describe("seed 004 ops-penalty loss", () => {
  it("is CE · (log(ops_expected) / log(ops_target))^β with ops_expected = fixed + Σ softmax(α)·ops", () => {
    const alphas = [tf.tensor1d([0, Math.log(3)]), tf.tensor1d([Math.log(2), 0, 0])];
    const ops = [
      [100, 300],
      [400, 200, 0],
    ];
    const e = expectedOps(alphas, ops, 1000).dataSync()[0];
    // softmax: [1/4, 3/4] and [1/2, 1/4, 1/4].
    const want = 1000 + (0.25 * 100 + 0.75 * 300) + (0.5 * 400 + 0.25 * 200);
    expect(e).toBeCloseTo(want, 3);
    const loss = archLoss(tf.scalar(2), tf.scalar(want), 800, 0.6).dataSync()[0];
    expect(loss).toBeCloseTo(2 * (Math.log(want) / Math.log(800)) ** 0.6, 5);
    // Over the target the penalty raises the loss, under it lowers it.
    expect(archLoss(tf.scalar(1), tf.scalar(1e6), 1e3, 1).dataSync()[0]).toBeCloseTo(2, 5);
    expect(archLoss(tf.scalar(1), tf.scalar(1e3), 1e6, 1).dataSync()[0]).toBeCloseTo(0.5, 5);
  });

  it("its gradient in α matches finite differences and pushes probability to cheaper choices", () => {
    const ops = [[1e3, 5e4, 2e5]];
    const ce = 1.7;
    const f = (a: tf.Tensor1D) => archLoss(tf.scalar(ce), expectedOps([a], ops, 5e3), 2e4, 1.5);
    const a0 = tf.tensor1d([0.3, -0.2, 0.1]);
    const g = tf
      .grad((a: tf.Tensor) => f(a as tf.Tensor1D))(a0)
      .dataSync();
    const h = 1e-3;
    for (let i = 0; i < 3; i++) {
      const d = tf.oneHot([i], 3).reshape([3]).mul(h) as tf.Tensor1D;
      const num =
        (f(a0.add(d) as tf.Tensor1D).dataSync()[0] - f(a0.sub(d) as tf.Tensor1D).dataSync()[0]) /
        (2 * h);
      expect(g[i]).toBeCloseTo(num, 3);
    }
    // Descending the gradient moves mass toward the cheapest choice.
    expect(g[0]).toBeLessThan(0);
    expect(g[2]).toBeGreaterThan(0);
  });
});

describe("supernet", () => {
  it("fake-quantizes weights to 8 bits with a straight-through gradient", () => {
    const w = tf.tensor1d([0.5, -1, 0.25, 0.001]);
    const q = fakeQuant8(w).dataSync();
    const s = 1 / 127;
    for (const v of q) expect(Math.abs(v / s - Math.round(v / s))).toBeLessThan(1e-4);
    const g = tf
      .grad((x: tf.Tensor) =>
        fakeQuant8(x)
          .mul(tf.tensor1d([1, 2, 3, 4]))
          .sum(),
      )(w)
      .dataSync();
    expect(Array.from(g)).toEqual([1, 2, 3, 4]);
  });

  it("an architecture step moves α, a weight step the weights (on the training backend); derive picks each block's most likely choice", () => {
    const net = new Supernet(SPACE, 3, 1);
    const x = tf.randomNormal([4, 12, 10, 1], 0, 1, "float32", 2) as tf.Tensor4D;
    const ops = net.choices.map((cs, b) => cs.map((c) => choiceOps(SPACE, c, b, 12, 10)));
    const before = net.alphas.map((a) => Array.from(a.dataSync()));
    const opt = tf.train.adam(0.05);
    archStep(
      net,
      opt,
      x,
      Int32Array.from([0, 1, 2, 0]),
      [
        [0, 1],
        [2, 0],
      ],
      {
        ops,
        fixed: fixedOps(SPACE, 12, 10, 3),
        target: 1e4,
        beta: 1,
      },
    );
    const wOpt = tf.train.adam(0.01);
    const w0 = Array.from(net.weights[0].dataSync());
    weightStep(net, wOpt, x, Int32Array.from([0, 1, 2, 0]), [
      [{ j: 1, weight: 1 }],
      [{ j: 4, weight: 1 }],
    ]);
    expect(Array.from(net.weights[0].dataSync())).not.toEqual(w0);
    const after = net.alphas.map((a) => Array.from(a.dataSync()));
    expect(after).not.toEqual(before);
    net.alphas[1].assign(tf.tensor1d(choices(SPACE, 1).map((_, i) => (i === 2 ? 5 : 0))));
    expect(net.derive()[1]).toEqual(choices(SPACE, 1)[2]);
    // Block 0 strides, so it offers no identity.
    expect(choices(SPACE, 0)).not.toContain("identity");
    expect(choices(SPACE, 1)).toContain("identity");
    net.dispose();
  });

  it("counts a derived block's ops as the cost model counts the built network", () => {
    const blocks = [choices(SPACE, 0)[3], choices(SPACE, 1)[1]];
    const m = buildModel("mbnet", {
      channels: SPACE.channels,
      blocks,
      strided: [0],
      headChannels: SPACE.headChannels,
      inputShape: [12, 10, 1],
      numClasses: 3,
    });
    const ops =
      fixedOps(SPACE, 12, 10, 3) +
      blocks.reduce((s, c, b) => s + choiceOps(SPACE, c, b, 12, 10), 0);
    expect(ops).toBe(modelCost(m, "int8").macs);
  });
});
