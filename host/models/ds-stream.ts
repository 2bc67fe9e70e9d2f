/**
 * ds-stream: DS-CNN's depthwise-separable blocks (dscnn.ts, Zhang et al. 2017) made causal along
 * time like res8-stream (res8-stream.ts), so the device streams it stride by stride on new
 * frames only (device/runtime/incremental.ts; issue 12).
 *
 * Why: at a streaming budget (res8-stream's ~5.75M MACs per audio second) a depthwise-separable
 * block buys far more channels than a full 3x3 conv: 9C + C^2 MACs per position instead of 9C^2,
 * so 64 channels cost what res8-narrow's 19 do. Hello Edge found DS-CNN the most accurate
 * network per operation at every size it tried.
 *
 * The streaming rules are res8-stream's: every 3x3 kernel pads frequency only (ZeroPadding2D +
 * VALID; the exporter writes padding 2), the time pool divides the 10-frame stride, and no
 * shortcut is needed (DS-CNN has none). The blocks keep DS-CNN's order, conv -> BN -> ReLU (the BN
 * folds into the conv at export). The stem is res8-stream's (a 3x3 conv with ReLU, no BN, then
 * the pool: the trainer runs that pair as one fused op) but narrow (`stemFilters`), which keeps
 * the full-rate part cheap; the first block's pointwise conv widens to `filters`.
 * The head is res8-stream's row head (`time-max` by default): each row averaged over
 * frequency, then each channel's largest row (or every row its own dense weights).
 */
import type * as tfType from "@tensorflow/tfjs";
import { ModelError } from "./errors";
import { RES8_STREAM_HEADS, type Res8StreamHead, rowHead } from "./res8-stream";

export interface DsStreamOptions {
  /** Feature map shape [frames, coefficients, 1], e.g. [98, 40, 1]. */
  inputShape: [number, number, number];
  numClasses: number;
  /** Channels of the depthwise-separable blocks (DS-CNN-S: 64). */
  filters?: number;
  /** Channels of the full-resolution stem conv. */
  stemFilters?: number;
  /** Depthwise-separable blocks (each eats two pooled rows). */
  blocks?: number;
  /** Average pooling window = stride over [time, frequency] after the stem. */
  pool?: [number, number];
  /** Pooling before the logits (res8-stream's heads). */
  head?: Res8StreamHead;
}

export const DS_STREAM: Required<Omit<DsStreamOptions, "inputShape" | "numClasses">> = {
  filters: 64,
  stemFilters: 16,
  blocks: 4,
  pool: [5, 3],
  head: "time-max",
};

/** Rows left for the head: the stem's 2 frames, the pool, then 2 pooled rows per block. */
export function dsStreamRows(frames: number, pool: number, blocks: number): number {
  return Math.floor((frames - 2) / pool) - 2 * blocks;
}

export function buildDsStream(tf: typeof tfType, opts: DsStreamOptions): tfType.LayersModel {
  const { filters, stemFilters, blocks, pool, head } = { ...DS_STREAM, ...opts };
  if (!RES8_STREAM_HEADS.includes(head))
    throw new ModelError(
      `ds-stream: head ${JSON.stringify(head)} is not one of ${RES8_STREAM_HEADS.join(", ")}`,
    );
  const rows = dsStreamRows(opts.inputShape[0], pool[0], blocks);
  if (rows < 1)
    throw new ModelError(
      `ds-stream: ${opts.inputShape[0]} frames leave ${rows} rows after the pool and ${blocks} blocks`,
    );
  const apply = (l: tfType.layers.Layer, x: tfType.SymbolicTensor) =>
    l.apply(x) as tfType.SymbolicTensor;
  const padFreq = (name: string, x: tfType.SymbolicTensor) =>
    apply(
      tf.layers.zeroPadding2d({
        name: `${name}_pad`,
        padding: [
          [0, 0],
          [1, 1],
        ],
      }),
      x,
    );
  const bnRelu = (name: string, x: tfType.SymbolicTensor) =>
    apply(
      tf.layers.reLU({ name: `${name}_relu` }),
      apply(tf.layers.batchNormalization({ name: `${name}_bn`, epsilon: 1e-3, momentum: 0.9 }), x),
    );

  const input = tf.input({ shape: opts.inputShape, name: "features" });
  const stem = tf.layers.conv2d({
    name: "conv0",
    filters: stemFilters,
    kernelSize: 3,
    padding: "valid",
    useBias: false,
    activation: "relu",
  });
  let x = apply(stem, padFreq("conv0", input));
  x = apply(
    tf.layers.averagePooling2d({ name: "pool0", poolSize: pool, strides: pool, padding: "valid" }),
    x,
  );
  for (let b = 1; b <= blocks; b++) {
    const dw = tf.layers.depthwiseConv2d({
      name: `dw${b}`,
      kernelSize: 3,
      depthMultiplier: 1,
      padding: "valid",
      useBias: false,
    });
    x = bnRelu(`dw${b}`, apply(dw, padFreq(`dw${b}`, x)));
    const pw = tf.layers.conv2d({
      name: `pw${b}`,
      filters,
      kernelSize: 1,
      padding: "valid",
      useBias: false,
    });
    x = bnRelu(`pw${b}`, apply(pw, x));
  }
  return tf.model({
    inputs: input,
    outputs: rowHead(tf, x, head, opts.numClasses),
    name: "ds_stream",
  });
}
