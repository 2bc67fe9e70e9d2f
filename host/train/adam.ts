/**
 * tfjs' Adam with each variable's update as one native kernel (host/native/c/adam.c) instead of
 * thirteen elementwise kernels, on the wasm backend with the native addon: the same float32
 * operations in the same order, so the same bits (adam.test.ts), and the same state (moments,
 * beta powers) for checkpoints and resume. Elsewhere it is tfjs' AdamOptimizer unchanged.
 * On res8-narrow's 21 variables the update took ~2.4 ms a step, run by the main thread alone
 * while data-parallel replicas wait.
 */
import * as tf from "@tensorflow/tfjs";
import {
  getBackend,
  type KernelFunc,
  type NamedAttrMap,
  type Tensor,
  type TensorInfo,
} from "@tensorflow/tfjs";
import type { NativeTrainKernels } from "../native/load";
import { heapOf, nativeTrainKernels } from "./kernels/native";
import { BACKEND, ptr, registerOpOnce, type WasmBackend } from "./kernels/wasm-backend";

export const ADAM_STEP = "EarshotAdamStep";

interface AdamAttrs {
  c1: number;
  c2: number;
  beta1: number;
  beta2: number;
  learningRate: number;
  epsilon: number;
}

const step: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackend;
  const { x, m, v, g } = inputs as Record<string, TensorInfo>;
  const a = attrs as unknown as AdamAttrs;
  const n = x.shape.reduce((p, d) => p * d, 1);
  const outs = [x, m, v].map((t) => b.makeOutput(t.shape, "float32"));
  (nativeTrainKernels() as NativeTrainKernels).adamStep(
    heapOf(b),
    ptr(b, x),
    ptr(b, m),
    ptr(b, v),
    ptr(b, g),
    ...outs.map((t) => ptr(b, t)),
    n,
    a.c1,
    a.c2,
    a.beta1,
    a.beta2,
    1 - a.beta1,
    1 - a.beta2,
    -a.learningRate,
    a.epsilon,
  );
  return outs;
};

interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
}

/** Adam whose per-variable update runs as one native kernel where it can. */
export class NativeAdam extends tf.AdamOptimizer {
  override applyGradients(
    variableGradients: Parameters<tf.AdamOptimizer["applyGradients"]>[0],
  ): void {
    if (getBackend() !== BACKEND || nativeTrainKernels() === null) {
      super.applyGradients(variableGradients);
      return;
    }
    registerOpOnce([[ADAM_STEP, step]]);
    const self = this as unknown as AdamState;
    const named = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor] as const)
      : Object.entries(variableGradients as Record<string, Tensor>);
    tf.tidy(() => {
      // 1 - b^t as tfjs computes it: a float32 subtraction (exact in double, then rounded).
      const c1 = Math.fround(1 - self.accBeta1.dataSync()[0]);
      const c2 = Math.fround(1 - self.accBeta2.dataSync()[0]);
      const attrs = {
        c1,
        c2,
        beta1: self.beta1,
        beta2: self.beta2,
        learningRate: self.learningRate,
        epsilon: self.epsilon,
      };
      named.forEach(([name, gradient], i) => {
        const value = tf.engine().registeredVariables[name];
        self.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        self.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        if (gradient == null) return;
        const m = (self.accumulatedFirstMoment[i] as { variable: tf.Variable }).variable;
        const v = (self.accumulatedSecondMoment[i] as { variable: tf.Variable }).variable;
        const [x1, m1, v1] = tf
          .engine()
          .runKernel(
            ADAM_STEP,
            { x: value, m, v, g: gradient },
            attrs as unknown as NamedAttrMap,
          ) as Tensor[];
        m.assign(m1);
        v.assign(v1);
        value.assign(x1);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  }
}

/** tf.train.adam's defaults (epsilon: the backend's, 1e-7 for float32). */
export function adam(learningRate: number, beta1 = 0.9, beta2 = 0.999): tf.AdamOptimizer {
  return new NativeAdam(learningRate, beta1, beta2);
}
