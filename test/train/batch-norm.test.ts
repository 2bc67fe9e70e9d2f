// The fused training batch norm (host/train/kernels/batch-norm.ts, the native addon's
// channelSums / channelAffine) against tfjs-layers' own on the CPU backend: output, moving
// averages and gradients, for channel counts that fill one to five vectors, and statistics far
// from zero (the shifted sums must not cancel). Data-parallel sync of its sums is covered by parallel.test.ts.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { nativeAddon } from "../../host/native/load";
import { loadBackend } from "../../host/train/backend";
import { batchNormLayers, fusionPlan, withFusedLayers } from "../../host/train/fuse-layers";
import { batchNormTrain } from "../../host/train/kernels/batch-norm";
import { setNativeTrainKernels } from "../../host/train/kernels/native";
import { buildSeeded } from "../../host/train/loop";
import { onCpu } from "./on-cpu";

const hasNative = nativeAddon() !== null;

interface Case {
  name: string;
  shape: number[]; // input shape without the batch
  batch: number;
  mean: number; // of the input
  std: number;
  movingMean: number;
  /** Tolerance of the output (relative to its largest value). */
  yTol?: number;
}

const CASES: Case[] = [
  { name: "res8's 19 channels", shape: [6, 5, 19], batch: 3, mean: 0.3, std: 1, movingMean: 0 },
  {
    name: "5 channels, moving mean set",
    shape: [4, 3, 5],
    batch: 2,
    mean: -1,
    std: 2,
    movingMean: -0.7,
  },
  { name: "64 channels (DS-CNN)", shape: [5, 3, 64], batch: 2, mean: 0, std: 1, movingMean: 0.1 },
  { name: "70 channels, 2-D input", shape: [70], batch: 37, mean: 0.5, std: 0.5, movingMean: 0 },
  // Mean 100, std 0.1: one-pass sums of x² would lose the variance to cancellation (the
  // reference itself, float32, resolves x only to 1e-4 of its std).
  {
    name: "far from zero",
    shape: [4, 4, 3],
    batch: 4,
    mean: 100,
    std: 0.1,
    movingMean: 0,
    yTol: 1e-3,
  },
];

function model(c: Case): tf.LayersModel {
  const input = tf.input({ shape: c.shape });
  const bn = tf.layers.batchNormalization({
    name: "bn",
    epsilon: 1e-5,
    momentum: 0.9,
    gammaInitializer: tf.initializers.randomNormal({ mean: 1, stddev: 0.3, seed: 3 }),
    betaInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.3, seed: 4 }),
    movingMeanInitializer: tf.initializers.constant({ value: c.movingMean }),
  });
  return tf.model({ inputs: input, outputs: bn.apply(input) as tf.SymbolicTensor });
}

/** Training-mode output, gradients of sum(y * r) and the moving averages after one call. */
function run(c: Case, fused: boolean) {
  const m = model(c);
  const plan = fused ? fusionPlan(m) : { convPools: [], norms: [] };
  const x = tf.add(
    tf.mul(tf.randomNormal([c.batch, ...c.shape], 0, 1, "float32", 7), c.std),
    c.mean,
  );
  const r = tf.randomNormal([c.batch, ...c.shape], 0, 1, "float32", 8);
  const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
  const out = tf.tidy(() => {
    const f = (xx: tf.Tensor) =>
      tf.sum(
        tf.mul(
          withFusedLayers(plan, () => m.apply(xx, { training: true }) as tf.Tensor),
          r,
        ),
      );
    const dx = tf.grad(f)(x);
    const { grads } = tf.variableGrads(() => f(x) as tf.Scalar, vars);
    const y = withFusedLayers(plan, () => m.apply(x, { training: true }) as tf.Tensor);
    return {
      y: Array.from(y.dataSync()),
      dx: Array.from(dx.dataSync()),
      dgamma: Array.from(grads[vars[0].name].dataSync()),
      dbeta: Array.from(grads[vars[1].name].dataSync()),
    };
  });
  const bn = m.getLayer("bn") as unknown as {
    movingMean: tf.LayerVariable;
    movingVariance: tf.LayerVariable;
  };
  const moving = [
    Array.from(bn.movingMean.read().dataSync()),
    Array.from(bn.movingVariance.read().dataSync()),
  ];
  const fusedLayers = plan.norms.length;
  tf.dispose([x, r]);
  m.dispose();
  return { ...out, moving, fusedLayers };
}

function close(got: number[], want: number[], tol: number) {
  expect(got.length).toBe(want.length);
  const scale = Math.max(1e-3, ...want.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst).toBeLessThanOrEqual(tol * scale);
}

describe.skipIf(!hasNative)("fused batch norm in training (native addon)", () => {
  beforeAll(async () => {
    await loadBackend({ quiet: true });
  });

  for (const c of CASES) {
    it(`${c.name}: output, moving averages and gradients equal tfjs-layers'`, () => {
      const want = onCpu(() => run(c, false));
      const got = run(c, true);
      expect(got.fusedLayers).toBe(1);
      expect(want.fusedLayers).toBe(0);
      close(got.y, want.y, c.yTol ?? 2e-5);
      close(got.moving[0], want.moving[0], 1e-6);
      // The variance of the far-from-zero case is 1e-4: compare it on its own scale.
      close(got.moving[1], want.moving[1], 1e-3);
      close(got.dx, want.dx, c.yTol ?? 2e-4);
      close(got.dgamma, want.dgamma, 2e-4);
      close(got.dbeta, want.dbeta, 2e-5);
    });
  }

  it("the statistics match float64 ones far from zero (mean 1000, std 0.01)", () => {
    const x = tf.add(tf.mul(tf.randomNormal([64, 5, 3], 0, 1, "float32", 9), 0.01), 1000);
    const v = x.dataSync();
    const [y, mean, variance] = batchNormTrain(x, tf.ones([3]), tf.zeros([3]), 1e-9);
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let i = j; i < v.length; i += 3) s += v[i];
      const mu = s / (v.length / 3);
      let ss = 0;
      for (let i = j; i < v.length; i += 3) ss += (v[i] - mu) ** 2;
      expect(mean.dataSync()[j]).toBeCloseTo(mu, 3);
      expect(Math.abs(variance.dataSync()[j] / (ss / (v.length / 3)) - 1)).toBeLessThan(1e-4);
    }
    tf.dispose([x, y, mean, variance]);
  });

  it("with the native kernels switched off, a fused plan runs tfjs-layers' own ops", () => {
    setNativeTrainKernels(false);
    try {
      const got = run(CASES[0], true);
      const want = run(CASES[0], false);
      expect(got.y).toEqual(want.y);
      expect(got.dx).toEqual(want.dx);
    } finally {
      setNativeTrainKernels(true);
    }
  });

  it("res8 and DS-CNN fuse every batch norm; inference is untouched", () => {
    const res8 = buildSeeded(
      "res8-narrow",
      { inputShape: [12, 9, 1], numClasses: 4, filters: 4, blocks: 1, pool: [2, 3] },
      1,
    );
    expect(batchNormLayers(res8).map((l) => l.name)).toEqual(["bn1", "bn2"]);
    const ds = buildSeeded("ds-cnn-s", { inputShape: [49, 10, 1], numClasses: 4 }, 1);
    expect(batchNormLayers(ds).length).toBe(
      ds.layers.filter((l) => l.getClassName() === "BatchNormalization").length,
    );
    const x = tf.randomNormal([2, 12, 9, 1], 0, 1, "float32", 3);
    const plain = res8.predict(x) as tf.Tensor;
    const fused = withFusedLayers(fusionPlan(res8), () => res8.predict(x) as tf.Tensor);
    expect(Array.from(fused.dataSync())).toEqual(Array.from(plain.dataSync()));
    tf.dispose([x, plain, fused]);
    res8.dispose();
    ds.dispose();
  });

  it("the native sums refuse operands outside the heap and wrong parameter sizes", () => {
    const addon = nativeAddon() as NonNullable<ReturnType<typeof nativeAddon>>;
    const heap = new ArrayBuffer(1024);
    const ref = new Float32Array(4);
    const out = new Float64Array(8);
    expect(() => addon.channelSums(heap, 0, -1, 8, 4, ref, out)).not.toThrow();
    expect(() => addon.channelSums(heap, 1000, -1, 8, 4, ref, out)).toThrow(/outside the heap/);
    expect(() => addon.channelSums(heap, 0, -1, 8, 4, ref, new Float64Array(4))).toThrow(
      /channelSums/,
    );
    expect(() => addon.channelAffine(heap, 0, -1, 512, 8, 4, new Float32Array(12))).toThrow(
      /channelAffine/,
    );
    expect(() => addon.channelAffine(heap, 0, -1, 512, 8, 0, new Float32Array(0))).toThrow(
      /channels/,
    );
  });
});
