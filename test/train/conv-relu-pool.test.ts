// The fused conv + ReLU + average pooling op (host/train/kernels/conv-relu-pool.ts, the native
// addon's convReluPool) against the three ops it stands for on the tfjs CPU backend, forward and
// gradients, and
// the training step's layer fusion (host/train/fuse-layers.ts) against the unfused model.
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nativeAddon } from "../../host/native/load";
import { loadBackend } from "../../host/train/backend";
import { convReluPoolPairs, withFusedLayers } from "../../host/train/fuse-layers";
import {
  type ConvReluPoolAttrs,
  convReluPool,
  fusedConvReluPoolAvailable,
} from "../../host/train/kernels/conv-relu-pool";
import { setNativeTrainKernels } from "../../host/train/kernels/native";
import { buildSeeded } from "../../host/train/loop";
import { classifierLoss } from "../../host/train/step";
import { onCpu } from "./on-cpu";

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  attrs: ConvReluPoolAttrs;
}

const CASES: Case[] = [
  // res8's first layer, shrunk: one channel, 19 filters (two vectors, the second partial).
  {
    name: "res8-like",
    x: [3, 13, 11, 1],
    filter: [3, 3, 1, 19],
    attrs: { padding: "same", pool: [4, 3] },
  },
  // Rows and columns outside every window (13 = 3*4 + 1, 11 = 3*3 + 2) get no gradient.
  {
    name: "valid, 2 channels",
    x: [2, 9, 8, 2],
    filter: [3, 2, 2, 5],
    attrs: { padding: "valid", pool: [2, 2] },
  },
  // Generic tap count (27) and a full 32-channel pair of vectors.
  {
    name: "27 taps, 32 filters",
    x: [2, 8, 7, 3],
    filter: [3, 3, 3, 32],
    attrs: { padding: "same", pool: [3, 2] },
  },
  {
    name: "16 filters, 1x1 pool",
    x: [1, 5, 6, 1],
    filter: [3, 3, 1, 16],
    attrs: { padding: "same", pool: [1, 1] },
  },
];

const hasNative = nativeAddon() !== null;

const set = (a: number[], i: number, v: number): number[] => a.map((x, j) => (j === i ? v : x));

function draw(c: Case, seed: number) {
  const x = tf.randomNormal(c.x, 0, 1, "float32", seed) as tf.Tensor4D;
  const w = tf.randomNormal(c.filter, 0, 0.5, "float32", seed + 1) as tf.Tensor4D;
  return { x, w };
}

function unfused(x: tf.Tensor4D, w: tf.Tensor4D, a: ConvReluPoolAttrs): tf.Tensor4D {
  return tf.avgPool(tf.relu(tf.conv2d(x, w, 1, a.padding)), a.pool, a.pool, "valid");
}

/** Forward, and the gradients of sum(out * r) for a fixed r, with op f. */
function run(c: Case, f: typeof unfused) {
  return tf.tidy(() => {
    const { x, w } = draw(c, 11);
    const out = f(x, w, c.attrs);
    const r = tf.randomNormal(out.shape, 0, 1, "float32", 5);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D, c.attrs), r)),
    )([x, w]);
    return { out: out.arraySync(), dx: dx.arraySync(), dw: dw.arraySync(), shape: out.shape };
  });
}

function close(got: unknown, want: unknown, tol = 1e-4) {
  const g = (got as number[]).flat(4) as number[];
  const w = (want as number[]).flat(4) as number[];
  expect(g.length).toBe(w.length);
  const scale = Math.max(1, ...w.map(Math.abs));
  for (let i = 0; i < g.length; i++) expect(Math.abs(g[i] - w[i])).toBeLessThanOrEqual(tol * scale);
}

describe.skipIf(!hasNative)("fused conv + ReLU + average pooling (native addon)", () => {
  beforeAll(async () => {
    await loadBackend({ quiet: true });
    setNativeTrainKernels(true);
  });
  afterAll(() => {
    setNativeTrainKernels(true);
  });

  for (const c of CASES) {
    it(`${c.name}: output and gradients equal the stock ops'`, () => {
      expect(fusedConvReluPoolAvailable(c.x, c.filter, c.attrs)).toBe(true);
      const want = onCpu(() => run(c, unfused));
      const got = run(c, convReluPool);
      expect(got.shape).toEqual(want.shape);
      close(got.out, want.out);
      close(got.dw, want.dw);
      close(got.dx, want.dx);
      // Not all zero: the case exercises ReLU's mask on both sides.
      const flat = (want.dw as number[][][][]).flat(3);
      expect(flat.some((v) => v !== 0)).toBe(true);
    });
  }

  it("the filter gradient does not depend on the thread count", () => {
    const addon = nativeAddon() as NonNullable<ReturnType<typeof nativeAddon>>;
    const before = addon.trainThreads();
    try {
      addon.trainThreads(1);
      const one = run(CASES[0], convReluPool).dw;
      addon.trainThreads(3);
      const three = run(CASES[0], convReluPool).dw;
      expect(three).toEqual(one);
    } finally {
      addon.trainThreads(before);
    }
  });

  it("falls back to the stock ops where the kernel does not fit (33 filters, no native kernels)", () => {
    const wide: Case = { ...CASES[0], filter: [3, 3, 1, 33] };
    expect(fusedConvReluPoolAvailable(wide.x, wide.filter, wide.attrs)).toBe(false);
    close(run(wide, convReluPool).out, run(wide, unfused).out, 0);
    setNativeTrainKernels(false);
    try {
      expect(fusedConvReluPoolAvailable(CASES[0].x, CASES[0].filter, CASES[0].attrs)).toBe(false);
    } finally {
      setNativeTrainKernels(true);
    }
  });

  it("the native kernel refuses geometry it cannot run and operands outside the heap", () => {
    const addon = nativeAddon() as NonNullable<ReturnType<typeof nativeAddon>>;
    const heap = new ArrayBuffer(4096);
    // n, h, w, c, oh, ow, oc, fh, fw, pt, pl, ph, pw
    const ok = [1, 4, 4, 1, 4, 4, 2, 3, 3, 1, 1, 2, 2];
    expect(() => addon.convReluPool(heap, 0, 256, 512, ...ok)).not.toThrow();
    expect(() => addon.convReluPool(heap, 0, 256, 512, ...set(ok, 6, 33))).toThrow(/geometry/);
    expect(() => addon.convReluPool(heap, 0, 256, 512, ...set(ok, 9, 3))).toThrow(/geometry/);
    expect(() => addon.convReluPool(heap, 0, 256, 4092, ...ok)).toThrow(/outside the heap/);
    expect(() => addon.convReluPoolFilterGrad(heap, 0, 256, 512, ...ok)).toThrow(/take/);
  });

  it("the training step fuses res8's first conv and pooling, with the unfused model's loss and gradients", () => {
    const inputShape: [number, number, number] = [13, 10, 1];
    const model = buildSeeded(
      "res8-narrow",
      { inputShape, numClasses: 4, filters: 5, blocks: 1, pool: [4, 3] },
      3,
    );
    const pairs = convReluPoolPairs(model);
    expect(pairs.map((p) => [p.conv.name, p.pool.name])).toEqual([["conv0", "pool0"]]);
    const x = tf.randomNormal([6, ...inputShape], 0, 1, "float32", 2);
    const labels = tf.tensor1d([0, 1, 2, 3, 1, 2], "int32");
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const lossOf = classifierLoss(model);
    const grads = (fusedRun: boolean) =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const logits = fusedRun
            ? withFusedLayers(
                { convPools: pairs, norms: [] },
                () => model.apply(x, { training: true }) as tf.Tensor,
              )
            : (model.apply(x, { training: true }) as tf.Tensor);
          return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 4), logits) as tf.Scalar;
        }, vars);
        return {
          loss: value.dataSync()[0],
          grads: vars.map((v) => Array.from(grads[v.name].dataSync())),
        };
      });
    const plain = grads(false);
    const fused = grads(true);
    expect(fused.loss).toBeCloseTo(plain.loss, 5);
    for (const [i, g] of fused.grads.entries()) close(g, plain.grads[i]);
    // The step's own loss runs fused too, and the layers are themselves again afterwards.
    const r = tf.tidy(() => lossOf(x, labels).loss.dataSync()[0]);
    expect(r).toBeCloseTo(plain.loss, 4);
    expect(Object.hasOwn(pairs[0].conv, "call")).toBe(false);
    expect((model.getLayer("conv0").apply(x) as tf.Tensor).shape).toEqual([6, 13, 10, 5]);
    // DS-CNN has no conv + pooling pair to fuse.
    const ds = buildSeeded("ds-cnn-s", { inputShape: [49, 10, 1], numClasses: 4 }, 1);
    expect(convReluPoolPairs(ds)).toEqual([]);
    tf.dispose([x, labels]);
    model.dispose();
    ds.dispose();
  });
});
