/**
 * res8 / res8-narrow (Tang & Lin, "Deep residual learning for small-footprint keyword spotting",
 * ICASSP 2018; the baseline of seed 000): a 3x3 conv, average pooling over (time, frequency),
 * residual blocks of two 3x3 convs, global average pooling and a dense softmax layer.
 *
 * Layer order follows the reference implementation (honk): every conv is bias-free and followed
 * by ReLU; from the second conv on, a batch norm follows; the second conv of each block adds the
 * block input before its batch norm. (honk's batch norm has no scale/offset; tfjs-layers reads
 * gamma/beta unconditionally in training mode, so ours keeps them: 2 x 19 parameters per norm.)
 */
import type * as tfType from "@tensorflow/tfjs";

export interface Res8Options {
  /** Feature map shape [frames, coefficients, 1], e.g. [98, 40, 1] for 98x40 MFCC. */
  inputShape: [number, number, number];
  numClasses: number;
  /** Feature maps per conv: 19 for res8-narrow, 45 for res8. */
  filters?: number;
  /** Residual blocks (two convs each): 3 for res8. */
  blocks?: number;
  /** Square conv kernel size. */
  kernel?: number;
  /** Average pooling window = stride over [time, frequency]; null disables pooling. */
  pool?: [number, number] | null;
}

export const RES8_NARROW: Required<Omit<Res8Options, "inputShape" | "numClasses">> = {
  filters: 19,
  blocks: 3,
  kernel: 3,
  pool: [4, 3],
};

/** Builds the Keras-style model; its output is logits (softmax is applied by the loss). */
export function buildRes8(tf: typeof tfType, opts: Res8Options): tfType.LayersModel {
  const { filters, blocks, kernel, pool } = { ...RES8_NARROW, ...opts };
  const conv = (name: string) =>
    tf.layers.conv2d({
      name,
      filters,
      kernelSize: kernel,
      padding: "same",
      useBias: false,
      activation: "relu",
    });
  const bn = (name: string) => tf.layers.batchNormalization({ name, epsilon: 1e-5, momentum: 0.9 });

  const input = tf.input({ shape: opts.inputShape, name: "features" });
  let x = conv("conv0").apply(input) as tfType.SymbolicTensor;
  if (pool) {
    x = tf.layers
      .averagePooling2d({ name: "pool0", poolSize: pool, strides: pool, padding: "valid" })
      .apply(x) as tfType.SymbolicTensor;
  }
  for (let b = 0; b < blocks; b++) {
    const blockIn = x;
    const i = 2 * b + 1;
    let y = conv(`conv${i}`).apply(blockIn) as tfType.SymbolicTensor;
    y = bn(`bn${i}`).apply(y) as tfType.SymbolicTensor;
    y = conv(`conv${i + 1}`).apply(y) as tfType.SymbolicTensor;
    y = tf.layers.add({ name: `add${b + 1}` }).apply([y, blockIn]) as tfType.SymbolicTensor;
    x = bn(`bn${i + 1}`).apply(y) as tfType.SymbolicTensor;
  }
  return tf.model({ inputs: input, outputs: res8Head(tf, x, opts.numClasses), name: "res8" });
}

/** res8's head (shared by res8-stream): global average pooling, then a dense layer to logits. */
export function res8Head(
  tf: typeof tfType,
  x: tfType.SymbolicTensor,
  numClasses: number,
): tfType.SymbolicTensor {
  const pooled = tf.layers
    .globalAveragePooling2d({ name: "gap" })
    .apply(x) as tfType.SymbolicTensor;
  return tf.layers
    .dense({ name: "logits", units: numClasses })
    .apply(pooled) as tfType.SymbolicTensor;
}
