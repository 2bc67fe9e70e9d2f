/**
 * TinyConv (seed 003; TensorFlow's micro_speech "tiny_conv"): one conv (8 filters, 10x8 over
 * time x frequency, stride 2x2, bias, ReLU), dropout, and one dense layer to the classes.
 * On 49x40 features with 4 classes: 8*10*8+8 + 25*20*8*4+4 = 16,652 parameters ("about 17k").
 */
import * as tf from "@tensorflow/tfjs";
import { apply, type InputShape } from "./common";

export interface TinyConvConfig {
  inputShape: InputShape;
  numClasses: number;
  filters?: number;
  /** [time, frequency] kernel. */
  kernel?: [number, number];
  strides?: [number, number];
  dropout?: number;
}

export const TINYCONV_DEFAULTS = { filters: 8, kernel: [10, 8], strides: [2, 2], dropout: 0.5 };

export function buildTinyConv(c: TinyConvConfig): tf.LayersModel {
  const o = { ...TINYCONV_DEFAULTS, ...c };
  const input = tf.input({ shape: c.inputShape, name: "features" });
  let x = apply(
    tf.layers.conv2d({
      name: "conv0",
      filters: o.filters,
      kernelSize: o.kernel,
      strides: o.strides,
      padding: "same",
      activation: "relu",
    }),
    input,
  );
  if (o.dropout > 0) x = apply(tf.layers.dropout({ name: "drop0", rate: o.dropout }), x);
  x = apply(tf.layers.flatten({ name: "flatten" }), x);
  const logits = apply(tf.layers.dense({ name: "logits", units: c.numClasses }), x);
  return tf.model({ inputs: input, outputs: logits, name: "tinyconv" });
}
