/**
 * Small helpers the model builders share: a typed symbolic tensor alias and the standard
 * conv -> batch norm -> ReLU unit (that order folds BN into the conv at export).
 */
import * as tf from "@tensorflow/tfjs";

export type Sym = tf.SymbolicTensor;

/** Input feature map [frames, coefficients, 1]. */
export type InputShape = [number, number, number];

export function apply(layer: tf.layers.Layer, x: Sym | Sym[]): Sym {
  return layer.apply(x) as Sym;
}

/** conv (no bias) -> BN -> optional ReLU. */
export function convBnRelu(
  x: Sym,
  name: string,
  o: {
    filters: number;
    kernel: [number, number] | number;
    strides?: [number, number] | number;
    relu?: boolean;
    depthwise?: boolean;
  },
): Sym {
  const common = {
    name,
    kernelSize: o.kernel,
    strides: o.strides ?? 1,
    padding: "same" as const,
    useBias: false,
  };
  const conv = o.depthwise
    ? tf.layers.depthwiseConv2d({ ...common, depthMultiplier: 1 })
    : tf.layers.conv2d({ ...common, filters: o.filters });
  let y = apply(conv, x);
  y = apply(tf.layers.batchNormalization({ name: `${name}_bn`, epsilon: 1e-3, momentum: 0.9 }), y);
  if (o.relu !== false) y = apply(tf.layers.reLU({ name: `${name}_relu` }), y);
  return y;
}

/** Trainable parameter count (what the papers' "# params" means). */
export function countParams(model: tf.LayersModel): number {
  let n = 0;
  for (const w of model.trainableWeights)
    n += w.shape.reduce((a, b) => (a ?? 1) * (b ?? 1), 1) ?? 0;
  return n;
}
