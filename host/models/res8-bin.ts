/**
 * res8-bin (seed 000, Fig. 2 right): res8-narrow redesigned for binary weights and activations
 * after Bethge et al.: (i) the average-pooling downsampling becomes a strided convolution, and
 * (ii) every convolution of a residual block gets its own shortcut (Bi-Real style), so the
 * real-valued signal survives the binarization of each conv's input:
 *   x -> conv0 -> BN -> downsample conv (kernel = stride = pool) -> BN
 *     -> [y = BN(conv(x)) + x; x = BN(conv(y)) + y] x depth -> global average pool -> dense.
 * No ReLU by default: in a binary net the sign of the next layer's input is the nonlinearity.
 */
import * as tf from "@tensorflow/tfjs";
import { apply, convBnRelu, type InputShape } from "./common";
import { ModelError } from "./errors";

export interface Res8BinConfig {
  inputShape: InputShape;
  numClasses: number;
  filters?: number;
  /**
   * conv0's filters (default `filters`). conv0 is the int8 layer at full resolution: its output
   * is the arena's largest tensor, so the blocks can widen without it.
   */
  stemFilters?: number;
  /** Residual blocks D (two convs each). */
  blocks?: number;
  /** Square kernel K. */
  kernel?: number;
  /** Downsampling conv [time, frequency] (kernel = stride); null keeps full resolution. */
  downsample?: [number, number] | null;
  relu?: boolean;
}

export const RES8_BIN = {
  filters: 19,
  blocks: 3,
  kernel: 3,
  downsample: [4, 3] as [number, number] | null,
  relu: false,
};

export function buildRes8Bin(c: Res8BinConfig): tf.LayersModel {
  const o = { ...RES8_BIN, ...c };
  if (!o.downsample && o.stemFilters !== undefined && o.stemFilters !== o.filters)
    throw new ModelError(
      `res8-bin: stemFilters (${o.stemFilters}) must equal filters (${o.filters}) without a downsampling conv, which is what changes the channel count`,
    );
  const input = tf.input({ shape: c.inputShape, name: "features" });
  let x = convBnRelu(input, "conv0", {
    filters: o.stemFilters ?? o.filters,
    kernel: o.kernel,
    relu: o.relu,
  });
  if (o.downsample) {
    x = convBnRelu(x, "down0", {
      filters: o.filters,
      kernel: o.downsample,
      strides: o.downsample,
      relu: o.relu,
    });
  }
  for (let b = 0; b < o.blocks; b++) {
    for (let j = 0; j < 2; j++) {
      const name = `conv${2 * b + j + 1}`;
      const y = convBnRelu(x, name, { filters: o.filters, kernel: o.kernel, relu: o.relu });
      x = apply(tf.layers.add({ name: `${name}_add` }), [y, x]);
    }
  }
  x = apply(tf.layers.globalAveragePooling2d({ name: "gap" }), x);
  const logits = apply(tf.layers.dense({ name: "logits", units: c.numClasses }), x);
  return tf.model({ inputs: input, outputs: logits, name: "res8bin" });
}
