/**
 * Batch statistics across data-parallel replicas ("synchronized batch norm"), so that a batch
 * split over replicas trains like the whole batch. tfjs-layers' batch norm takes its statistics
 * with tf.moments, i.e. Mean over every axis but the channels; while a sync is active, that Mean
 * sums over all replicas' examples, and its gradient gathers every replica's contribution.
 * Outside a sync (and for any other Mean) the kernels registered before run unchanged, so
 * single-process training is not touched.
 *
 * Gradient: replica j's loss is the mean over its n_j examples and the step averages gradients
 * weighted by n_j / N, so the gradient reaching the shared mean is Σ_i n_i dy_i / n_j on
 * replica j, spread over all N·H·W positions.
 */
import * as tf from "@tensorflow/tfjs";
import {
  type GradConfig,
  getGradient,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  Mean,
  type MeanAttrs,
  registerGradient,
  registerKernel,
  type Tensor,
  type TensorInfo,
  unregisterKernel,
} from "@tensorflow/tfjs";
import { allButLast, CHANNEL_BROADCAST, channelSums64 } from "../kernels/register";

/** What a sync needs: a sum over replicas (Comm.allReduce). */
export interface Reducer {
  allReduce(values: ArrayLike<number>): Float64Array;
}

let active: Reducer | null = null;

/** Runs `fn` with batch statistics summed over replicas through `reducer`. */
export function withBatchSync<T>(reducer: Reducer, fn: () => T): T {
  const before = active;
  active = reducer;
  try {
    return fn();
  } finally {
    active = before;
  }
}

/** The reducer of the sync running now, if any (the fused batch norm sums through it too). */
export function activeReducer(): Reducer | null {
  return active;
}

/** Mean over all axes but the last of a float tensor: batch-norm statistics. */
function isChannelMean(shape: number[], dtype: string, axis: number | number[]): boolean {
  return dtype === "float32" && allButLast(axis, shape.length);
}

interface WasmLike {
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

let registered = false;

/**
 * Wraps the Mean kernel of `backendName` (wasm: it reads the wasm heap) and Mean's gradient
 * (idempotent). Call after earshot's wasm kernels are registered.
 */
export function registerBatchSync(backendName: string): void {
  if (registered) return;
  registered = true;
  const base = getKernel(Mean, backendName) as KernelConfig;
  const synced: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as MeanAttrs;
    if (!active || !isChannelMean(x.shape, x.dtype, axis)) return base.kernelFunc(args);
    const b = args.backend as unknown as WasmLike;
    const c = x.shape[x.shape.length - 1];
    const rows = x.shape.slice(0, -1).reduce((p, d) => p * d, 1);
    // [rows, Σ x per channel] in f64, summed over replicas.
    const local = new Float64Array(c + 1);
    local[0] = rows;
    local.set(channelSums64(b, x), 1);
    const all = active.allReduce(local);
    const shape = keepDims ? [...new Array<number>(x.shape.length - 1).fill(1), c] : [c];
    const out = b.makeOutput(shape, "float32");
    const dst = b.typedArrayFromHeap(out);
    const scale = 1 / all[0];
    for (let j = 0; j < c; j++) dst[j] = all[j + 1] * scale;
    return out;
  };
  unregisterKernel(Mean, backendName);
  registerKernel({ ...base, kernelFunc: synced });

  const baseGrad = getGradient(Mean);
  const grad: GradConfig = {
    kernelName: Mean,
    inputsToSave: ["x"],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs) => {
      const [x] = saved;
      const { axis } = attrs as unknown as MeanAttrs;
      const reducer = active;
      if (!reducer || !isChannelMean(x.shape, x.dtype, axis)) {
        return baseGrad.gradFunc(dy, saved, attrs);
      }
      const g = dy as Tensor;
      const c = x.shape[x.shape.length - 1];
      const rows = x.shape.slice(0, -1).reduce((p, d) => p * d, 1);
      const local = new Float64Array(c + 1);
      local[0] = rows;
      const d = g.dataSync();
      for (let j = 0; j < c; j++) local[j + 1] = rows * d[j];
      const all = reducer.allReduce(local);
      // Σ_i n_i dy_i / n_j, over all N·H·W positions (rows are n·H·W: the H·W factors cancel).
      const per = new Float32Array(c);
      for (let j = 0; j < c; j++) per[j] = all[j + 1] / rows / all[0];
      return {
        x: () =>
          tf.engine().runKernel(CHANNEL_BROADCAST, { dy: tf.tensor(per) }, {
            shape: x.shape,
            divisor: 1,
          } as never) as Tensor,
      };
    },
  };
  registerGradient(grad);
}
