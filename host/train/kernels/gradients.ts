/**
 * Gradients earshot registers in place of tfjs' own (gradients are keyed by kernel name, so
 * these serve every backend). Each must equal tfjs' gradient; kernels.test.ts checks it.
 */

import * as tf from "@tensorflow/tfjs";
import {
  FusedBatchNorm,
  type FusedBatchNormAttrs,
  type GradConfig,
  getBackend,
  getGradient,
  getKernel,
  Mean,
  type MeanAttrs,
  Relu,
  registerGradient,
  scalar,
  type Tensor,
} from "@tensorflow/tfjs";
import { allButLast, CHANNEL_BROADCAST, CHANNEL_DOT_CENTERED, RELU_GRAD } from "./register";

/**
 * Batch norm y = (x - mean) * r * scale + offset with r = 1/sqrt(variance + eps).
 *   dx = dy * scale * r                     dmean = -scale * r * Σdy
 *   dvariance = -scale * r³/2 * Σ dy(x - mean)   dscale = r * Σ dy(x - mean)   doffset = Σdy
 * (Σ over every axis the statistics broadcast along). tfjs' version tiles scale*r to the full
 * activation shape before multiplying, which on wasm costs more than the rest of the step.
 */
const fusedBatchNormGrad: GradConfig = {
  kernelName: FusedBatchNorm,
  inputsToSave: ["x", "mean", "variance", "scale"],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: unknown) => {
    const g = dy as Tensor;
    const { varianceEpsilon } = attrs as FusedBatchNormAttrs;
    const [x, mean, variance, scale] = saved;
    const axes = reductionAxes(mean.shape, x.shape);
    const reduce = (t: Tensor): Tensor =>
      axes.length > 0 ? tf.reshape(tf.sum(t, axes), mean.shape) : tf.reshape(t, mean.shape);
    // Shared terms computed once, here: tfjs runs each closure below in its own tidy(), so a
    // tensor made inside one would be gone before the next. The backward pass's own scope
    // disposes these.
    const r = tf.rsqrt(tf.add(variance, scalar(varianceEpsilon)));
    const scaled = scale == null ? r : tf.mul(r, scale);
    const sumDy = reduce(g);
    // Σ dy·(x − mean): one wasm pass for per-channel statistics (same bits), else plain ops.
    const perChannel =
      x.dtype === "float32" &&
      g.dtype === "float32" &&
      mean.size === x.shape[x.rank - 1] &&
      allButLast(axes, x.rank) &&
      getKernel(CHANNEL_DOT_CENTERED, getBackend());
    const sumDyXc = perChannel
      ? tf.reshape(
          tf.engine().runKernel(CHANNEL_DOT_CENTERED, { dy: g, x, mean }) as Tensor,
          mean.shape,
        )
      : reduce(tf.mul(g, tf.sub(x, mean)));
    return {
      x: () => tf.mul(g, scaled),
      mean: () => tf.neg(tf.mul(scaled, sumDy)),
      variance: () => tf.mul(tf.mul(scaled, tf.mul(tf.square(r), scalar(-0.5))), sumDyXc),
      scale: () => tf.mul(r, sumDyXc),
      offset: () => tf.clone(sumDy),
    };
  },
};

/** Axes of `outShape` along which a tensor of `inShape` was broadcast (right-aligned). */
function reductionAxes(inShape: number[], outShape: number[]): number[] {
  const axes: number[] = [];
  const lead = outShape.length - inShape.length;
  for (let i = 0; i < outShape.length; i++) {
    const d = i < lead ? 1 : inShape[i - lead];
    if (d === 1 && outShape[i] !== 1) axes.push(i);
  }
  return axes;
}

/**
 * ReLU: dx = dy where x > 0, else 0. One kernel pass where the backend has earshot's
 * EarshotReluGrad (wasm); tfjs' formula (step, cast, multiply) elsewhere.
 */
const reluGrad: GradConfig = {
  kernelName: Relu,
  inputsToSave: ["x"],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
    const g = dy as Tensor;
    const [x] = saved;
    return {
      x: () =>
        g.dtype === "float32" && getKernel(RELU_GRAD, getBackend())
          ? (tf.engine().runKernel(RELU_GRAD, { dy: g, x }) as Tensor)
          : tf.mul(g, tf.cast(tf.step(x), "float32")),
    };
  },
};

/**
 * Mean over every axis but the channels (batch-norm statistics): dx = dy / N in every row, one
 * kernel pass on wasm where tfjs builds a ones tensor in JS, multiplies and divides (same bits).
 * Other Means, and other backends: tfjs' gradient.
 */
function meanGrad(stock: GradConfig): GradConfig {
  return {
    kernelName: Mean,
    inputsToSave: ["x"],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs) => {
      const [x] = saved;
      const { axis } = attrs as unknown as MeanAttrs;
      const g = dy as Tensor;
      if (
        x.dtype !== "float32" ||
        !allButLast(axis, x.rank) ||
        !getKernel(CHANNEL_BROADCAST, getBackend())
      ) {
        return stock.gradFunc(dy, saved, attrs);
      }
      const divisor = x.size / x.shape[x.rank - 1];
      return {
        x: () =>
          tf.engine().runKernel(CHANNEL_BROADCAST, { dy: g }, {
            shape: x.shape,
            divisor,
          } as never) as Tensor,
      };
    },
  };
}

let registered = false;

/** Registers earshot's gradients (idempotent). */
export function registerEarshotGradients(): void {
  if (registered) return;
  registered = true;
  registerGradient(fusedBatchNormGrad);
  registerGradient(reluGrad);
  registerGradient(meanGrad(getGradient(Mean)));
}
