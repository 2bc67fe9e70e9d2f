/**
 * Pooling gradients and per-channel kernels for training on wasm: ReLU gradient, batch norm,
 * channel sums and broadcasts, and the data-sharing Identity and Cast.
 */
import {
  type AvgPoolGradAttrs,
  backend_util,
  Cast,
  FusedBatchNorm,
  Identity,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from "@tensorflow/tfjs";
import type { Conv2DInfo } from "./conv";
import { kernelsFor, ptr, stock, type WasmBackend } from "./wasm-backend";

/** Geometry arguments shared by the wasm pooling-gradient kernels, in their order. */
function poolArgs(ci: Conv2DInfo): number[] {
  return [
    ci.batchSize,
    ci.inHeight,
    ci.inWidth,
    ci.inChannels,
    ci.outHeight,
    ci.outWidth,
    ci.filterHeight,
    ci.filterWidth,
    ci.strideHeight,
    ci.strideWidth,
    ci.padInfo.top,
    ci.padInfo.left,
  ];
}

export const avgPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const a = attrs as unknown as AvgPoolGradAttrs;
  const ci = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
  );
  const dx = b.makeOutput(input.shape, "float32");
  // Same scaling as tfjs' reference kernels: 1/(window size), padding included.
  kernelsFor(b).avgPoolGrad(
    ptr(b, dy),
    ptr(b, dx),
    ...poolArgs(ci),
    1 / (ci.filterHeight * ci.filterWidth),
  );
  return dx;
};

export const maxPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const a = attrs as unknown as MaxPoolGradAttrs;
  const ci = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const dx = b.makeOutput(input.shape, "float32");
  kernelsFor(b).maxPoolGrad(ptr(b, input), ptr(b, dy), ptr(b, dx), ...poolArgs(ci));
  return dx;
};

/** Name of earshot's own ReLU-gradient kernel (used by the Relu gradient in gradients.ts). */
export const RELU_GRAD = "EarshotReluGrad";

export const reluGrad: KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackend;
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  const dx = b.makeOutput(x.shape, "float32");
  const n = x.shape.reduce((a, d) => a * d, 1);
  kernelsFor(b).reluGrad(ptr(b, dy), ptr(b, x), ptr(b, dx), n);
  return dx;
};

/**
 * FusedBatchNorm with per-channel mean, variance, offset and scale (what batch-norm layers pass):
 * one wasm pass with the per-channel factors computed once; other shapes to the stock kernel.
 */
export const fusedBatchNorm: KernelFunc = (args) => {
  const b = args.backend as unknown as WasmBackend;
  const { x, mean, variance, offset, scale } = args.inputs as Record<
    string,
    TensorInfo | undefined
  >;
  const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
  const xi = x as TensorInfo;
  const c = xi.shape[xi.shape.length - 1];
  const perChannel = (t: TensorInfo | undefined) =>
    t === undefined || (t.dtype === "float32" && t.shape.reduce((p, d) => p * d, 1) === c);
  if (
    xi.dtype !== "float32" ||
    xi.shape.length < 2 ||
    ![mean, variance].every((t) => t !== undefined && perChannel(t)) ||
    !perChannel(offset) ||
    !perChannel(scale)
  ) {
    return (stock[FusedBatchNorm] as KernelConfig).kernelFunc(args);
  }
  const rows = xi.shape.slice(0, -1).reduce((p, d) => p * d, 1);
  const out = b.makeOutput(xi.shape, "float32");
  const work = b.makeOutput([2 * c], "float32");
  kernelsFor(b).batchNorm(
    ptr(b, xi),
    ptr(b, mean as TensorInfo),
    ptr(b, variance as TensorInfo),
    offset ? ptr(b, offset) : 0,
    scale ? ptr(b, scale) : 0,
    ptr(b, out),
    ptr(b, work),
    rows,
    c,
    varianceEpsilon,
  );
  b.disposeData(work.dataId);
  return out;
};

/**
 * Identity shares the input's data (a reference count, as wasm's own Reshape does and the CPU
 * backend's Identity) instead of copying it: tfjs clones every tensor it saves for the backward
 * pass, ~175 full-size copies per res8 step. Tensor data is never written in place.
 */
export const identity: KernelFunc = (args) => {
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === "string") return (stock[Identity] as KernelConfig).kernelFunc(args);
  (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** Name of earshot's Σ dy·(x − mean) per channel (batch norm's gradient). */
export const CHANNEL_DOT_CENTERED = "EarshotChannelDotCentered";

/** out[c] = Σ over all axes but the last of dy * (x - mean), mean per channel. */
export const channelDotCentered: KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackend;
  const { dy, x, mean } = inputs as { dy: TensorInfo; x: TensorInfo; mean: TensorInfo };
  const c = x.shape[x.shape.length - 1];
  const rows = x.shape.slice(0, -1).reduce((p, d) => p * d, 1);
  const out = b.makeOutput([c], "float32");
  const work = b.makeOutput([2 * c], "float32");
  kernelsFor(b).channelDotCentered(
    ptr(b, dy),
    ptr(b, x),
    ptr(b, mean),
    ptr(b, out),
    rows,
    c,
    ptr(b, work),
  );
  b.disposeData(work.dataId);
  return out;
};

/** Cast to the tensor's own dtype (tf.moments casts its input to float32) shares the data too. */
export const cast: KernelFunc = (args) => {
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype !== (args.attrs as unknown as { dtype: string }).dtype || x.dtype === "string") {
    return (stock[Cast] as KernelConfig).kernelFunc(args);
  }
  (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** Name of earshot's per-channel broadcast kernel (the gradient of a per-channel Mean). */
export const CHANNEL_BROADCAST = "EarshotChannelBroadcast";

/** out (attr shape, last axis = dy's length) = dy / divisor in every row. */
export const channelBroadcast: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { dy } = inputs as { dy: TensorInfo };
  const { shape, divisor } = attrs as unknown as { shape: number[]; divisor: number };
  const c = shape[shape.length - 1];
  const rows = shape.slice(0, -1).reduce((p, d) => p * d, 1);
  const out = b.makeOutput(shape, "float32");
  kernelsFor(b).channelBroadcast(ptr(b, dy), ptr(b, out), rows, c, divisor);
  return out;
};

/** Whether `axis` names every axis of a rank-`rank` tensor except the last (channels). */
export function allButLast(axis: number | number[], rank: number): boolean {
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a));
  if (rank < 2 || axes.length !== rank - 1) return false;
  return [...axes].sort((a, b) => a - b).every((a, i) => a === i);
}

/** Sum or Mean: per-channel reduction in one wasm pass, anything else to the stock kernel. */
export function channelReduction(name: "Sum" | "Mean", mean: boolean): KernelFunc {
  return (args) => {
    const b = args.backend as unknown as WasmBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as {
      axis: number | number[];
      keepDims: boolean;
    };
    const rank = x.shape.length;
    if (x.dtype !== "float32" || !allButLast(axis, rank)) {
      return (stock[name] as KernelConfig).kernelFunc(args);
    }
    const c = x.shape[rank - 1];
    const rows = x.shape.slice(0, -1).reduce((p, d) => p * d, 1);
    const shape = keepDims ? [...new Array<number>(rank - 1).fill(1), c] : [c];
    const out = b.makeOutput(shape, "float32");
    const work = b.makeOutput([2 * c], "float32");
    kernelsFor(b).channelSum(
      ptr(b, x),
      ptr(b, out),
      rows,
      c,
      mean ? 1 / Math.max(1, rows) : 1,
      ptr(b, work),
    );
    b.disposeData(work.dataId);
    return out;
  };
}

/**
 * Per-channel sums (f64) of a float32 tensor on the wasm backend, over every axis but the last:
 * what data-parallel replicas exchange for batch statistics (parallel/batch-sync.ts).
 */
export function channelSums64(backend: unknown, x: TensorInfo): Float64Array {
  const b = backend as WasmBackend;
  const c = x.shape[x.shape.length - 1];
  const rows = x.shape.slice(0, -1).reduce((p, d) => p * d, 1);
  const scratch = b.makeOutput([2 * c], "float32");
  kernelsFor(b).channelSum64(ptr(b, x), ptr(b, scratch), rows, c);
  const heap = b.typedArrayFromHeap(scratch);
  const sums = new Float64Array(heap.buffer.slice(heap.byteOffset, heap.byteOffset + 8 * c));
  b.disposeData(scratch.dataId);
  return sums;
}
