// earshot's wasm gradient kernels (and the stock ones training relies on) against the tfjs CPU
// backend: one table of cases, run for every kernel.
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../host/data/rng";
import { nativeAddon } from "../../host/native/load";
import { loadBackend } from "../../host/train/backend";
import { setNativeTrainKernels } from "../../host/train/kernels/native";
import { EARSHOT_WASM_KERNELS } from "../../host/train/kernels/register";

type Pad = "same" | "valid";
type Shape4 = [number, number, number, number];

interface ConvCase {
  name: string;
  x: Shape4;
  filter: [number, number]; // [fh, fw]
  outC: number; // output channels (conv) or channel multiplier (depthwise)
  strides: [number, number];
  pad: Pad;
  dilations?: [number, number];
}

// Strides 1 and 2, same/valid padding, odd sizes, batch 1, 1x1 and non-square filters.
const CASES: ConvCase[] = [
  { name: "3x3 s1 same", x: [2, 7, 5, 3], filter: [3, 3], outC: 4, strides: [1, 1], pad: "same" },
  { name: "3x3 s1 valid", x: [2, 7, 5, 3], filter: [3, 3], outC: 2, strides: [1, 1], pad: "valid" },
  {
    name: "3x3 s2 same odd",
    x: [1, 9, 7, 2],
    filter: [3, 3],
    outC: 3,
    strides: [2, 2],
    pad: "same",
  },
  {
    name: "3x3 s2 valid odd",
    x: [1, 9, 7, 2],
    filter: [3, 3],
    outC: 3,
    strides: [2, 2],
    pad: "valid",
  },
  {
    name: "4x3 s(2,1) same",
    x: [3, 8, 6, 1],
    filter: [4, 3],
    outC: 5,
    strides: [2, 1],
    pad: "same",
  },
  { name: "1x1 s1", x: [2, 5, 4, 6], filter: [1, 1], outC: 3, strides: [1, 1], pad: "valid" },
  { name: "5x5 s1 same", x: [1, 6, 11, 2], filter: [5, 5], outC: 2, strides: [1, 1], pad: "same" },
  // Filter gradient tiles (4 filter rows x 8 channels): partial row and channel tiles, fewer
  // than 4 filter rows per fy (1 channel, 1x1), strides at the borders.
  {
    name: "conv0-like 3x3 c1",
    x: [2, 9, 8, 1],
    filter: [3, 3],
    outC: 5,
    strides: [1, 1],
    pad: "same",
  },
  { name: "3x3 c1 oc19", x: [1, 7, 6, 1], filter: [3, 3], outC: 19, strides: [1, 1], pad: "same" },
  {
    name: "10x4 s2 c1 oc20",
    x: [2, 13, 9, 1],
    filter: [10, 4],
    outC: 20,
    strides: [2, 2],
    pad: "same",
  },
  { name: "1x1 c2 oc6", x: [1, 4, 5, 2], filter: [1, 1], outC: 6, strides: [1, 1], pad: "valid" },
  {
    name: "10x4 s2 c3 oc8",
    x: [2, 13, 9, 3],
    filter: [10, 4],
    outC: 8,
    strides: [2, 2],
    pad: "same",
  },
  {
    name: "3x3 s2 c5 oc13",
    x: [1, 7, 9, 5],
    filter: [3, 3],
    outC: 13,
    strides: [2, 1],
    pad: "same",
  },
  // Strided with 8+ input channels: the native input gradient's dilated path.
  {
    name: "3x3 s2 c9 oc12",
    x: [2, 9, 7, 9],
    filter: [3, 3],
    outC: 12,
    strides: [2, 2],
    pad: "same",
  },
  {
    name: "res8 block",
    x: [2, 24, 13, 19],
    filter: [3, 3],
    outC: 19,
    strides: [1, 1],
    pad: "same",
  },
  // More than 32 channels: the native kernels' channel groups, the last one partly filled.
  {
    name: "1x1 c40 oc45",
    x: [2, 5, 7, 40],
    filter: [1, 1],
    outC: 45,
    strides: [1, 1],
    pad: "valid",
  },
  {
    name: "3x3 c33 oc33",
    x: [1, 6, 5, 33],
    filter: [3, 3],
    outC: 33,
    strides: [1, 1],
    pad: "same",
  },
  {
    name: "3x3 c64 oc51",
    x: [1, 5, 4, 64],
    filter: [3, 3],
    outC: 51,
    strides: [1, 1],
    pad: "same",
  },
];

const rng = new Rng(1234);
const randn = (shape: number[]): tf.Tensor =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
    shape,
  );

/** Runs a kernel on one backend and returns its values. */
function runOn(backend: string, kernel: string, inputs: Record<string, tf.Tensor>, attrs: object) {
  tf.setBackend(backend);
  const moved = Object.fromEntries(
    Object.entries(inputs).map(([k, t]) => [k, tf.tensor(t.dataSync(), t.shape)]),
  );
  const out = tf
    .engine()
    .runKernel(kernel, moved, attrs as tf.NamedTensorMap as never) as tf.Tensor;
  const result = { shape: out.shape, values: Float32Array.from(out.dataSync()) };
  tf.dispose([out, ...Object.values(moved)]);
  return result;
}

function expectClose(kernel: string, inputs: Record<string, tf.Tensor>, attrs: object): void {
  const want = runOn("cpu", kernel, inputs, attrs);
  const got = runOn("wasm", kernel, inputs, attrs);
  expect(got.shape).toEqual(want.shape);
  let worst = 0;
  for (let i = 0; i < want.values.length; i++) {
    const tol = 1e-4 * (1 + Math.abs(want.values[i]));
    worst = Math.max(worst, Math.abs(got.values[i] - want.values[i]) / tol);
  }
  expect(worst).toBeLessThanOrEqual(1);
}

/** The conv output shape for a case, from the CPU forward op. */
function convOut(c: ConvCase, depthwise: boolean): Shape4 {
  tf.setBackend("cpu");
  const x = tf.zeros(c.x) as tf.Tensor4D;
  const f = tf.zeros([...c.filter, c.x[3], c.outC]) as tf.Tensor4D;
  const y = depthwise
    ? tf.depthwiseConv2d(x, f, c.strides, c.pad, "NHWC", c.dilations ?? 1)
    : tf.conv2d(x, f, c.strides, c.pad);
  const shape = y.shape as Shape4;
  tf.dispose([x, f, y]);
  return shape;
}

beforeAll(async () => {
  await tf.setBackend("cpu");
  const info = await loadBackend({ quiet: true, prefer: "wasm" });
  expect(info.name).toBe("wasm");
});

// The conv kernels on the wasm kernels, and on the native addon's where it is built
// (deploy/native.sh); the other kernels below do not depend on the addon.
const CONV_PATHS = nativeAddon() !== null ? ["wasm", "native"] : ["wasm"];
if (nativeAddon() === null) console.warn("native training kernels not built: wasm kernels only");

describe.each(CONV_PATHS)("conv kernels (%s)", (path) => {
  beforeAll(() => setNativeTrainKernels(path === "native"));
  afterAll(() => setNativeTrainKernels(true));
  describe.each(CASES)("$name", (c) => {
    const filterShape: Shape4 = [...c.filter, c.x[3], c.outC];
    const conv = { strides: c.strides, pad: c.pad, dataFormat: "NHWC", dimRoundingMode: undefined };

    it("Conv2D and FusedConv2D forward", () => {
      const inputs = { x: randn(c.x), filter: randn(filterShape) };
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: "NHWC", dilations: [1, 1] };
      expectClose("Conv2D", inputs, attrs);
      expectClose("FusedConv2D", inputs, { ...attrs, activation: "linear" });
    });

    it("Conv2DBackpropFilter", () => {
      const dy = randn(convOut(c, false));
      expectClose("Conv2DBackpropFilter", { x: randn(c.x), dy }, { ...conv, filterShape });
    });

    it("Conv2DBackpropInput", () => {
      const dy = randn(convOut(c, false));
      expectClose(
        "Conv2DBackpropInput",
        { dy, filter: randn(filterShape) },
        { ...conv, inputShape: c.x },
      );
    });
  });
});

describe.each(CASES)("gradients: $name", (c) => {
  for (const mult of [1, 2]) {
    // Dilation 1 only: tfjs' depthwise gradient rejects dilated convs, and its CPU kernels
    // (the reference here) ignore the dilation attribute.
    for (const dil of [1]) {
      const dc: ConvCase = { ...c, outC: mult, dilations: [dil, dil] };
      const dwShape: Shape4 = [...c.filter, c.x[3], mult];
      const attrs = { strides: c.strides, pad: c.pad, dilations: [dil, dil] };
      it(`DepthwiseConv2dNativeBackpropFilter mult ${mult} dil ${dil}`, () => {
        const dy = randn(convOut(dc, true));
        expectClose(
          "DepthwiseConv2dNativeBackpropFilter",
          { x: randn(c.x), dy },
          { ...attrs, filterShape: dwShape },
        );
      });
      it(`DepthwiseConv2dNativeBackpropInput mult ${mult} dil ${dil}`, () => {
        const dy = randn(convOut(dc, true));
        expectClose(
          "DepthwiseConv2dNativeBackpropInput",
          { dy, filter: randn(dwShape) },
          { ...attrs, inputShape: c.x },
        );
      });
    }
  }

  for (const reduce of ["Sum", "Mean"]) {
    for (const [axis, keepDims] of [
      [[0, 1, 2], false],
      [[2, 0, 1], true],
      [[1, 2], false], // not per-channel: the stock kernel
      [-1, true],
    ] as const) {
      it(`${reduce} axis ${JSON.stringify(axis)} keepDims ${keepDims}`, () => {
        expectClose(reduce, { x: randn(c.x) }, { axis, keepDims });
      });
    }
  }

  for (const pool of ["AvgPoolGrad", "MaxPoolGrad"]) {
    it(pool, () => {
      const filterSize = c.filter;
      tf.setBackend("cpu");
      const x = randn(c.x) as tf.Tensor4D;
      const y = tf.avgPool(x, filterSize, c.strides, c.pad);
      const attrs = { filterSize, strides: c.strides, pad: c.pad };
      if (pool === "AvgPoolGrad") {
        expectClose(pool, { dy: randn(y.shape), input: x }, attrs);
      } else {
        const out = tf.maxPool(x, filterSize, c.strides, c.pad);
        expectClose(pool, { dy: randn(y.shape), input: x, output: out }, attrs);
      }
    });
  }
});

describe("registration", () => {
  it("earshot's kernels serve these names on wasm", () => {
    for (const name of Object.keys(EARSHOT_WASM_KERNELS)) {
      expect(tf.getKernel(name, "wasm")?.kernelFunc).toBe(EARSHOT_WASM_KERNELS[name]);
    }
  });
});

describe("ReLU gradient (EarshotReluGrad on wasm)", () => {
  it.each([[[7]], [[2, 5, 3, 3]], [[3, 9, 7, 5]]] as const)("shape %j", (shape) => {
    const x = randn([...shape]);
    const dy = randn([...shape]);
    const f = (a: tf.Tensor) => tf.relu(a).mul(dy).sum();
    tf.setBackend("wasm");
    const got = tf.grad(f)(x).dataSync();
    tf.setBackend("cpu");
    const want = tf.grad(f)(x).dataSync();
    // (+0 and -0 both count as zero: tfjs' CPU formula multiplies by 0.)
    const mismatches = want.filter((w, i) => w !== got[i]).length;
    expect(mismatches).toBe(0);
    expect(want.filter((w) => w === 0).length).toBeGreaterThan(0);
  });
});

describe("FusedBatchNorm (per-channel parameters on wasm)", () => {
  it.each([
    [[2, 5, 3, 19], true, true],
    [[3, 7, 64], true, false],
    [[4, 6], false, true],
    [[2, 3, 3, 5], false, false],
  ] as const)("shape %j offset %s scale %s", (shape, withOffset, withScale) => {
    const c = shape[shape.length - 1];
    const inputs: Record<string, tf.Tensor> = {
      x: randn([...shape]),
      mean: randn([c]),
      variance: tf.abs(randn([c])).add(0.1),
    };
    if (withOffset) inputs.offset = randn([c]);
    if (withScale) inputs.scale = randn([c]);
    expectClose("FusedBatchNorm", inputs, { varianceEpsilon: 1e-3 });
  });
});

describe("Identity on wasm", () => {
  it("shares the data: a clone outlives its source and allocates nothing", () => {
    tf.setBackend("wasm");
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const before = tf.engine().backend.numDataIds();
    const b = a.clone();
    expect(tf.engine().backend.numDataIds()).toBe(before);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3, 4]);
    expect(b.shape).toEqual([2, 2]);
    b.dispose();
  });

  it("Cast to the same dtype shares too; to another dtype converts", () => {
    tf.setBackend("wasm");
    const a = tf.tensor([1.5, -2, 3], [3]);
    const before = tf.engine().backend.numDataIds();
    const same = tf.cast(a, "float32");
    expect(tf.engine().backend.numDataIds()).toBe(before);
    const ints = tf.cast(a, "int32");
    expect(ints.dtype).toBe("int32");
    expect(Array.from(ints.dataSync())).toEqual([1, -2, 3]);
    a.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.5, -2, 3]);
    tf.dispose([same, ints]);
  });
});

describe("Mean gradient over all axes but the channels (EarshotChannelBroadcast on wasm)", () => {
  it.each([
    [
      [2, 5, 3, 4],
      [0, 1, 2],
    ],
    [
      [3, 7, 5],
      [1, 0],
    ],
    [
      [2, 5, 3, 4],
      [1, 2],
    ], // not per-channel: tfjs' gradient
  ] as const)("shape %j axes %j", (shape, axes) => {
    const x = randn([...shape]);
    // Weights on the mean's outputs, so every output gets its own gradient.
    const w = randn(shape.filter((_, i) => !(axes as readonly number[]).includes(i)));
    const f = (a: tf.Tensor) =>
      tf
        .mean(a, [...axes])
        .mul(w)
        .sum();
    tf.setBackend("wasm");
    const got = tf.grad(f)(x).dataSync();
    tf.setBackend("cpu");
    const want = tf.grad(f)(x).dataSync();
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(new Set(want).size).toBeGreaterThan(1);
  });
});

describe("batch norm gradient", () => {
  // earshot's FusedBatchNorm gradient vs autodiff of the same formula written with plain ops.
  // (Always with a scale: tfjs' engine cannot save a missing input for the backward pass.)
  it.each([[[2, 5, 3, 4]], [[1, 3, 3, 2]]] as const)("shape %j", (shape) => {
    const x = randn([...shape]);
    const mean = randn([shape[3]]);
    const variance = tf.abs(randn([shape[3]])).add(0.1);
    const scale = randn([shape[3]]);
    const offset = randn([shape[3]]);
    const dy = randn([...shape]);
    const eps = 1e-3;
    // Arguments: x, mean, variance, offset, scale.
    const fused = (...a: tf.Tensor[]) =>
      tf.batchNorm(a[0], a[1], a[2], a[3], a[4], eps).mul(dy).sum();
    const plain = (...a: tf.Tensor[]) =>
      a[0]
        .sub(a[1])
        .mul(tf.rsqrt(a[2].add(eps)))
        .mul(a[4])
        .add(a[3])
        .mul(dy)
        .sum();
    const args = [x, mean, variance, offset, scale];
    tf.setBackend("wasm");
    const got = tf
      .grads(fused)(args)
      .map((t) => t.dataSync());
    tf.setBackend("cpu");
    const want = tf
      .grads(plain)(args)
      .map((t) => t.dataSync());
    expect(got.length).toBe(args.length);
    for (let i = 0; i < args.length; i++) {
      for (let j = 0; j < want[i].length; j++) {
        expect(got[i][j]).toBeCloseTo(want[i][j], 3);
      }
    }
  });
});

describe("embedded kernel binary", () => {
  it("matches kernels.as (run `npm run build:train-kernels` after editing it)", async () => {
    // @ts-expect-error: plain ESM build script without type declarations
    const build = await import("../../host/train/kernels/wasm/build.mjs");
    const { TRAIN_KERNELS_WASM_BASE64 } = await import("../../host/train/kernels/wasm-binary");
    const fresh: Uint8Array = await build.compileKernels();
    expect(Buffer.from(fresh).toString("base64")).toBe(TRAIN_KERNELS_WASM_BASE64);
  });
});
