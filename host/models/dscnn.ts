/**
 * DS-CNN (Zhang et al., "Hello Edge", 2017): a strided conv, then depthwise-separable blocks
 * (3x3 depthwise -> BN -> ReLU -> 1x1 pointwise -> BN -> ReLU), global average pooling, dense.
 * DS-CNN-S: 64 filters, 10x4 first kernel with stride 2x2, 4 blocks, on 49x10 MFCC
 * (about 24k parameters plus BN).
 */
import * as tf from "@tensorflow/tfjs";
import { apply, convBnRelu, type InputShape } from "./common";

export interface DsCnnConfig {
  inputShape: InputShape;
  numClasses: number;
  filters?: number;
  blocks?: number;
  firstKernel?: [number, number];
  firstStrides?: [number, number];
  kernel?: number;
}

export const DSCNN_S = {
  filters: 64,
  blocks: 4,
  firstKernel: [10, 4],
  firstStrides: [2, 2],
  kernel: 3,
};

export function buildDsCnn(c: DsCnnConfig): tf.LayersModel {
  const o = { ...DSCNN_S, ...c };
  const input = tf.input({ shape: c.inputShape, name: "features" });
  let x = convBnRelu(input, "conv0", {
    filters: o.filters,
    kernel: o.firstKernel as [number, number],
    strides: o.firstStrides as [number, number],
  });
  for (let b = 1; b <= o.blocks; b++) {
    x = convBnRelu(x, `dw${b}`, { filters: o.filters, kernel: o.kernel, depthwise: true });
    x = convBnRelu(x, `pw${b}`, { filters: o.filters, kernel: 1 });
  }
  x = apply(tf.layers.globalAveragePooling2d({ name: "gap" }), x);
  const logits = apply(tf.layers.dense({ name: "logits", units: c.numClasses }), x);
  return tf.model({ inputs: input, outputs: logits, name: "dscnn" });
}
