/**
 * Batch norm in training as one op with its own gradient: what tfjs-layers does with moments
 * (Mean, Sub, Square, Mean), FusedBatchNorm and their gradients, about fifteen kernels and as
 * many passes over the activation, done in two passes forward (per-channel sums, then
 * x·scale + shift) and two backward (Σdy and Σdy(x − mean), then dx = dy·u + x·v + w), by the
 * native addon (host/native/c/batch-norm.c).
 *
 *   y = (x − mean) γ / √(var + ε) + β,  mean and var (biased) over every axis but the last
 *   dβ = Σdy   dγ = r Σdy(x − mean)   dx = γ r (dy − Σdy / M − (x − mean) r² Σdy(x − mean) / M)
 *
 * with r = 1/√(var + ε) and M the rows summed over. Under data-parallel replicas
 * (parallel/batch-sync.ts) both sums run over every replica's rows: each replica's dx is the
 * whole batch's gradient scaled by N / n_j, as the step's weighted average of gradients
 * expects. The statistics are summed shifted by a row of the data, so the square does not
 * cancel however far the mean lies from zero.
 */
import * as tf from "@tensorflow/tfjs";
import {
  type GradConfig,
  getBackend,
  type KernelFunc,
  type NamedAttrMap,
  type Tensor,
  type TensorInfo,
} from "@tensorflow/tfjs";
import type { NativeTrainKernels } from "../../native/load";
import { activeReducer } from "../parallel/batch-sync";
import { heapOf, nativeTrainKernels } from "./native";
import { BACKEND, ptr, registerOpOnce, type WasmBackend } from "./wasm-backend";

export const BATCH_NORM_TRAIN = "EarshotBatchNormTrain";
export const BATCH_NORM_TRAIN_GRAD = "EarshotBatchNormTrainGrad";

interface Attrs {
  epsilon: number;
}

const MAX_CHANNELS = 1024;

/** Whether the fused op can run here (wasm backend with the native addon). */
export function fusedBatchNormAvailable(channels: number): boolean {
  return (
    getBackend() === BACKEND &&
    nativeTrainKernels() !== null &&
    channels >= 1 &&
    channels <= MAX_CHANNELS
  );
}

const native = (): NativeTrainKernels => nativeTrainKernels() as NativeTrainKernels;

/** A copy of a small tensor's values (a heap view would not survive the next allocation). */
const copyOf = (b: WasmBackend, t: TensorInfo): Float32Array => b.typedArrayFromHeap(t).slice();

function output(b: WasmBackend, shape: number[], values: ArrayLike<number>): TensorInfo {
  const t = b.makeOutput(shape, "float32");
  b.typedArrayFromHeap(t).set(values);
  return t;
}

/** Rows and per-channel values summed over the replicas when a sync runs, else as they are. */
function overReplicas(rows: number, values: Float64Array): { rows: number; values: Float64Array } {
  const reducer = activeReducer();
  if (reducer === null) return { rows, values };
  const msg = new Float64Array(1 + values.length);
  msg[0] = rows;
  msg.set(values, 1);
  const all = reducer.allReduce(msg);
  return { rows: all[0], values: all.subarray(1) };
}

const forward: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { x, gamma, beta } = inputs as Record<string, TensorInfo>;
  const { epsilon } = attrs as unknown as Attrs;
  const c = x.shape[x.shape.length - 1];
  const rows = x.shape.reduce((p, d) => p * d, 1) / c;
  const g = copyOf(b, gamma);
  const be = copyOf(b, beta);
  // Sums shifted by this shard's first row, so that x - k stays small and its square does not
  // cancel; the shift's own terms go in float64 (replicas' shifts differ: each sends its own).
  const k = b.typedArrayFromHeap(x).slice(0, c);
  const shifted = new Float64Array(2 * c);
  native().channelSums(heapOf(b), ptr(b, x), -1, rows, c, k, shifted);
  const local = new Float64Array(5 * c);
  for (let j = 0; j < c; j++) {
    local[j] = shifted[j]; // Σ(x - k)
    local[c + j] = shifted[c + j]; // Σ(x - k)²
    local[2 * c + j] = k[j] * shifted[j]; // k Σ(x - k)
    local[3 * c + j] = rows * k[j]; // n k
    local[4 * c + j] = rows * k[j] * k[j]; // n k²
  }
  const { rows: m, values: s } = overReplicas(rows, local);
  const mean = new Float32Array(c);
  const variance = new Float32Array(c);
  const p = new Float32Array(2 * c);
  for (let j = 0; j < c; j++) {
    const s1 = s[j];
    const nk = s[3 * c + j];
    const mu = (s1 + nk) / m;
    // Σ(x - μ)² = Σ over shards of Σ(x - k)² + 2 k Σ(x - k) + n k² − 2μ(Σ(x - k) + n k) + μ² M
    const ss = s[c + j] + 2 * s[2 * c + j] + s[4 * c + j] - 2 * mu * (s1 + nk) + mu * mu * m;
    const v = Math.max(0, ss / m);
    mean[j] = mu;
    variance[j] = v;
    const scale = g[j] / Math.sqrt(v + epsilon);
    p[j] = scale;
    p[c + j] = be[j] - mu * scale;
  }
  const y = b.makeOutput(x.shape, "float32");
  native().channelAffine(heapOf(b), ptr(b, x), -1, ptr(b, y), rows, c, p);
  return [y, output(b, [c], mean), output(b, [c], variance)];
};

const backward: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { dy, x, gamma, mean, variance } = inputs as Record<string, TensorInfo>;
  const { epsilon } = attrs as unknown as Attrs;
  const c = x.shape[x.shape.length - 1];
  const rows = x.shape.reduce((p, d) => p * d, 1) / c;
  const g = copyOf(b, gamma);
  const mu = copyOf(b, mean);
  const v = copyOf(b, variance);
  const local = new Float64Array(2 * c);
  native().channelSums(heapOf(b), ptr(b, dy), ptr(b, x), rows, c, mu, local);
  // W = Σ over replicas of rows_i · sums_i; this replica's dx is the whole batch's scaled by
  // M / rows (see the header), so the sums' terms take W / (rows · M).
  const weighted = new Float64Array(2 * c);
  for (let i = 0; i < weighted.length; i++) weighted[i] = rows * local[i];
  const { rows: total, values: sums } = overReplicas(rows, weighted);
  const denom = rows * total;
  const p = new Float32Array(3 * c);
  const dgamma = new Float32Array(c);
  const dbeta = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    const r = 1 / Math.sqrt(v[j] + epsilon);
    const u = g[j] * r;
    const vv = (-g[j] * r * r * r * sums[c + j]) / denom;
    p[j] = u;
    p[c + j] = vv;
    p[2 * c + j] = (-u * sums[j]) / denom - vv * mu[j];
    dgamma[j] = r * local[c + j];
    dbeta[j] = local[j];
  }
  const dx = b.makeOutput(x.shape, "float32");
  native().channelAffine(heapOf(b), ptr(b, dy), ptr(b, x), ptr(b, dx), rows, c, p);
  return [dx, output(b, [c], dgamma), output(b, [c], dbeta)];
};

const gradient: GradConfig = {
  kernelName: BATCH_NORM_TRAIN,
  inputsToSave: ["x", "gamma"],
  outputsToSave: [false, true, true],
  gradFunc: (dys: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const dy = (Array.isArray(dys) ? dys[0] : dys) as Tensor;
    const [x, gamma, mean, variance] = saved;
    // One kernel for all three: tfjs runs each closure below in its own scope, after this body.
    const [dx, dgamma, dbeta] = tf
      .engine()
      .runKernel(BATCH_NORM_TRAIN_GRAD, { dy, x, gamma, mean, variance }, attrs) as Tensor[];
    return {
      x: () => dx,
      gamma: () => dgamma,
      beta: () => dbeta,
    };
  },
};

/** Registers the kernels for wasm and the op's gradient; idempotent. */
export function registerBatchNormTrain(): void {
  registerOpOnce(
    [
      [BATCH_NORM_TRAIN, forward],
      [BATCH_NORM_TRAIN_GRAD, backward],
    ],
    gradient,
  );
}

/**
 * [y, mean, variance] of batch norm in training over every axis but the last (variance biased,
 * as tf.moments gives it). Callers check fusedBatchNormAvailable first.
 */
export function batchNormTrain(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  epsilon: number,
): [Tensor, Tensor, Tensor] {
  registerBatchNormTrain();
  return tf
    .engine()
    .runKernel(BATCH_NORM_TRAIN, { x, gamma, beta }, { epsilon } as unknown as NamedAttrMap) as [
    Tensor,
    Tensor,
    Tensor,
  ];
}
