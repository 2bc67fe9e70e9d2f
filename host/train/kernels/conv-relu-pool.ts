/**
 * Conv + ReLU + average pooling as one op: res8's first layer, a conv of one input channel at
 * full resolution whose ReLU'd output only feeds a pooling (valid, stride = window). Unfused,
 * the step writes and reads that full-resolution map six times (conv, ReLU, pool, the pool's
 * and ReLU's gradients, the filter gradient): 19 MB a batch on 98x40 features, about a fifth of
 * the res8 step. Fused (the native addon's convReluPool, host/native/c/train.c), the forward
 * pools in registers and the filter gradient recomputes each position's conv for ReLU's mask.
 *
 * `convReluPool(x, filter, geometry)` runs the fused kernel where it can (wasm backend, native
 * addon, stride 1, dilation 1, at most 32 taps and 32 output channels) and the three stock ops
 * otherwise, so callers need not know. The input gradient (never needed for a first layer) is
 * the stock ops' gradient.
 */
import * as tf from "@tensorflow/tfjs";
import {
  AvgPoolGrad,
  backend_util,
  type GradConfig,
  getBackend,
  type KernelFunc,
  type NamedAttrMap,
  type Tensor,
  type Tensor4D,
  type TensorInfo,
} from "@tensorflow/tfjs";
import { heapOf, nativeTrainKernels } from "./native";
import { BACKEND, ptr, registerOpOnce, type WasmBackend } from "./wasm-backend";

export const CONV_RELU_POOL = "EarshotConvReluPool";
export const CONV_RELU_POOL_FILTER_GRAD = "EarshotConvReluPoolFilterGrad";

/** The layer pair's geometry: the conv's padding and the pooling window (= its stride). */
export interface ConvReluPoolAttrs {
  padding: "same" | "valid";
  pool: [number, number];
}

/** The native kernels' limits (train.c CRP_MAX_TAPS, CRP_MAX_OC). */
const MAX_TAPS = 32;
const MAX_OUT_CHANNELS = 32;

function convInfo(xShape: number[], filterShape: number[], padding: string) {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    1,
    1,
    padding as "same" | "valid",
  );
}

/** (n, h, w, c, oh, ow, oc, fh, fw, pt, pl, ph, pw) for the native kernels. */
function geometry(x: TensorInfo, filter: TensorInfo, a: ConvReluPoolAttrs): number[] {
  const ci = convInfo(x.shape, filter.shape, a.padding);
  return [
    ci.batchSize,
    ci.inHeight,
    ci.inWidth,
    ci.inChannels,
    ci.outHeight,
    ci.outWidth,
    ci.outChannels,
    ci.filterHeight,
    ci.filterWidth,
    ci.padInfo.top,
    ci.padInfo.left,
    a.pool[0],
    a.pool[1],
  ];
}

/** Whether the fused kernel can run this op here (else the stock ops do). */
export function fusedConvReluPoolAvailable(
  xShape: number[],
  filterShape: number[],
  a: ConvReluPoolAttrs,
): boolean {
  if (getBackend() !== BACKEND || nativeTrainKernels() === null) return false;
  if (xShape.length !== 4 || filterShape.length !== 4) return false;
  const [fh, fw, inC, outC] = filterShape;
  if (fh * fw * inC > MAX_TAPS || outC > MAX_OUT_CHANNELS || xShape[3] !== inC) return false;
  const ci = convInfo(xShape, filterShape, a.padding);
  return (
    ci.padInfo.top >= 0 &&
    ci.padInfo.left >= 0 &&
    ci.padInfo.top < fh &&
    ci.padInfo.left < fw &&
    ci.outHeight >= a.pool[0] &&
    ci.outWidth >= a.pool[1]
  );
}

const forward: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as ConvReluPoolAttrs;
  const g = geometry(x, filter, a);
  const out = b.makeOutput(
    [g[0], Math.floor(g[4] / a.pool[0]), Math.floor(g[5] / a.pool[1]), g[6]],
    "float32",
  );
  (nativeTrainKernels() as NonNullable<ReturnType<typeof nativeTrainKernels>>).convReluPool(
    heapOf(b),
    ptr(b, x),
    ptr(b, filter),
    ptr(b, out),
    ...g,
  );
  return out;
};

const filterGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { x, filter, dy } = inputs as { x: TensorInfo; filter: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as ConvReluPoolAttrs;
  const dw = b.makeOutput(filter.shape, "float32");
  (
    nativeTrainKernels() as NonNullable<ReturnType<typeof nativeTrainKernels>>
  ).convReluPoolFilterGrad(
    heapOf(b),
    ptr(b, x),
    ptr(b, filter),
    ptr(b, dy),
    ptr(b, dw),
    ...geometry(x, filter, a),
  );
  return dw;
};

/** The stock ops the fused kernel stands for (and its input gradient's definition). */
function unfused(x: Tensor4D, filter: Tensor4D, a: ConvReluPoolAttrs): Tensor4D {
  return tf.avgPool(tf.relu(tf.conv2d(x, filter, 1, a.padding)), a.pool, a.pool, "valid");
}

/** The stock ops' input gradient: conv2d's of the pooling's gradient masked by ReLU's. */
function inputGrad(x: Tensor4D, filter: Tensor4D, dy: Tensor4D, a: ConvReluPoolAttrs): Tensor4D {
  const z = tf.conv2d(x, filter, 1, a.padding);
  const dPool = tf
    .engine()
    .runKernel(
      AvgPoolGrad,
      { dy, input: z },
      { filterSize: a.pool, strides: a.pool, pad: "valid" },
    ) as Tensor4D;
  const dz = tf.mul(dPool, tf.cast(tf.greater(z, 0), "float32")) as Tensor4D;
  return tf.conv2dTranspose(dz, filter, x.shape, 1, a.padding);
}

const gradient: GradConfig = {
  kernelName: CONV_RELU_POOL,
  inputsToSave: ["x", "filter"],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x, filter] = saved as Tensor4D[];
    const a = attrs as unknown as ConvReluPoolAttrs;
    return {
      x: () => inputGrad(x, filter, dy as Tensor4D, a),
      filter: () =>
        tf
          .engine()
          .runKernel(CONV_RELU_POOL_FILTER_GRAD, { x, filter, dy: dy as Tensor }, attrs) as Tensor,
    };
  },
};

/** Registers the fused kernels for wasm and the op's gradient; idempotent. */
export function registerConvReluPool(): void {
  registerOpOnce(
    [
      [CONV_RELU_POOL, forward],
      [CONV_RELU_POOL_FILTER_GRAD, filterGrad],
    ],
    gradient,
  );
}

/** avgPool(relu(conv2d(x, filter, stride 1, padding)), pool, stride pool, valid), fused where it can be. */
export function convReluPool(x: Tensor4D, filter: Tensor4D, a: ConvReluPoolAttrs): Tensor4D {
  if (!fusedConvReluPoolAvailable(x.shape, filter.shape, a)) return unfused(x, filter, a);
  registerConvReluPool();
  return tf
    .engine()
    .runKernel(CONV_RELU_POOL, { x, filter }, a as unknown as NamedAttrMap) as Tensor4D;
}
