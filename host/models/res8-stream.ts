/**
 * res8-stream: res8-narrow (res8.ts) made causal along time, so the device runs it stride by
 * stride, computing only each stride's new frames (device/runtime/incremental.ts; issue 12).
 *
 * What changes against res8-narrow, and why:
 * - Every 3x3 conv pads frequency only (ZeroPadding2D [[0, 0], [1, 1]] + a VALID conv; the
 *   exporter writes one conv with padding 2, VALID along H / SAME along W): an output row then
 *   depends on three input rows and never on padding at the window's edges, which would make a
 *   row's value depend on where the window starts.
 * - The pool is 5 frames by 3 coefficients: its time stride divides the 10-frame (100 ms)
 *   inference stride, so every stride brings whole pooled rows (2).
 * - Each block's two convs drop two rows at each end, so the shortcut must drop them too. By
 *   default (`skip: "pool"`) it is a 5 x 1 average pool (stride 1, VALID): the block input
 *   smoothed over the five rows the convs see, aligned with their output; parameter-free and an
 *   existing device op. `skip: "crop"` keeps res8-narrow's identity shortcut: the block input's
 *   middle rows (Cropping2D), which the exporter writes as a fixed 5 x 1 identity depthwise
 *   conv (no device op crops; 1.8 KB more in the int8 file for three blocks).
 * - Global average pooling then covers the rows that are left (7 for 98 frames), by default
 *   (`head: "avg"`). The rows at the window's edges reach it only through the convs' windows,
 *   so two other heads first average each row over frequency (a 1-row pool: it streams), then
 *   `"time-max"` keeps each channel's largest row (the best-aligned position of the word) and
 *   `"time-dense"` gives every row its own dense weights (rows x filters x classes: 1.6 K
 *   for the default pool's 7 rows). Both rerun every stride as heads on a few hundred values.
 * Same widths (19), blocks (3) and layer order (conv, ReLU, BN; the add before the BN).
 */
import type * as tfType from "@tensorflow/tfjs";
import { ModelError } from "./errors";
import { res8Head } from "./res8";

export interface Res8StreamOptions {
  /** Feature map shape [frames, coefficients, 1], e.g. [98, 40, 1]. */
  inputShape: [number, number, number];
  numClasses: number;
  /** Feature maps per conv (19, as res8-narrow). */
  filters?: number;
  /** Residual blocks (two convs each). */
  blocks?: number;
  /** Average pooling window = stride over [time, frequency]. */
  pool?: [number, number];
  /** The residual shortcut: a 5 x 1 average pool, or the cropped block input (identity). */
  skip?: Res8StreamSkip;
  /** Pooling before the logits: global average, or per row over frequency then max / dense over rows. */
  head?: Res8StreamHead;
}

export const RES8_STREAM_SKIPS = ["pool", "crop"] as const;
export type Res8StreamSkip = (typeof RES8_STREAM_SKIPS)[number];
export const RES8_STREAM_HEADS = ["avg", "time-max", "time-dense"] as const;
export type Res8StreamHead = (typeof RES8_STREAM_HEADS)[number];

export const RES8_STREAM: Required<Omit<Res8StreamOptions, "inputShape" | "numClasses">> = {
  filters: 19,
  blocks: 3,
  pool: [5, 3],
  skip: "pool",
  head: "avg",
};

/** Rows left for global pooling: input frames minus what the convs and the pool consume. */
export function res8StreamRows(frames: number, pool: number, blocks: number): number {
  return Math.floor((frames - 2) / pool) - 4 * blocks;
}

/** Builds the Keras-style model; its output is logits (softmax is applied by the loss). */
export function buildRes8Stream(tf: typeof tfType, opts: Res8StreamOptions): tfType.LayersModel {
  const { filters, blocks, pool, skip, head } = { ...RES8_STREAM, ...opts };
  if (!RES8_STREAM_SKIPS.includes(skip))
    throw new ModelError(
      `res8-stream: skip ${JSON.stringify(skip)} is not one of ${RES8_STREAM_SKIPS.join(", ")}`,
    );
  if (!RES8_STREAM_HEADS.includes(head))
    throw new ModelError(
      `res8-stream: head ${JSON.stringify(head)} is not one of ${RES8_STREAM_HEADS.join(", ")}`,
    );
  const rows = res8StreamRows(opts.inputShape[0], pool[0], blocks);
  if (rows < 1)
    throw new ModelError(
      `res8-stream: ${opts.inputShape[0]} frames leave ${rows} rows after the pool and ${blocks} blocks`,
    );
  const conv = (name: string, x: tfType.SymbolicTensor): tfType.SymbolicTensor => {
    const padded = tf.layers
      .zeroPadding2d({
        name: `${name}_pad`,
        padding: [
          [0, 0],
          [1, 1],
        ],
      })
      .apply(x) as tfType.SymbolicTensor;
    return tf.layers
      .conv2d({
        name,
        filters,
        kernelSize: 3,
        padding: "valid",
        useBias: false,
        activation: "relu",
      })
      .apply(padded) as tfType.SymbolicTensor;
  };
  const bn = (name: string) => tf.layers.batchNormalization({ name, epsilon: 1e-5, momentum: 0.9 });

  const input = tf.input({ shape: opts.inputShape, name: "features" });
  let x = conv("conv0", input);
  x = tf.layers
    .averagePooling2d({ name: "pool0", poolSize: pool, strides: pool, padding: "valid" })
    .apply(x) as tfType.SymbolicTensor;
  for (let b = 0; b < blocks; b++) {
    const blockIn = x;
    const i = 2 * b + 1;
    let y = conv(`conv${i}`, blockIn);
    y = bn(`bn${i}`).apply(y) as tfType.SymbolicTensor;
    y = conv(`conv${i + 1}`, y);
    const shortcut = (
      skip === "crop"
        ? tf.layers.cropping2D({
            name: `skip${b + 1}`,
            cropping: [
              [2, 2],
              [0, 0],
            ],
          })
        : tf.layers.averagePooling2d({
            name: `skip${b + 1}`,
            poolSize: [5, 1],
            strides: 1,
            padding: "valid",
          })
    ).apply(blockIn) as tfType.SymbolicTensor;
    y = tf.layers.add({ name: `add${b + 1}` }).apply([y, shortcut]) as tfType.SymbolicTensor;
    x = bn(`bn${i + 1}`).apply(y) as tfType.SymbolicTensor;
  }
  return tf.model({
    inputs: input,
    outputs: rowHead(tf, x, head, opts.numClasses),
    name: "res8_stream",
  });
}

/**
 * The head over the last rows: global average pooling (`avg`), or the row heads: each row
 * averaged over frequency, then a max or a dense layer over the rows.
 */
export function rowHead(
  tf: typeof tfType,
  x: tfType.SymbolicTensor,
  head: Res8StreamHead,
  numClasses: number,
): tfType.SymbolicTensor {
  if (head === "avg") return res8Head(tf, x, numClasses);
  const cols = x.shape[2] as number;
  const rows = tf.layers
    .averagePooling2d({
      name: "rowpool",
      poolSize: [1, cols],
      strides: [1, cols],
      padding: "valid",
    })
    .apply(x) as tfType.SymbolicTensor;
  const pooled = (
    head === "time-max"
      ? tf.layers.globalMaxPooling2d({ name: "gmp" })
      : tf.layers.flatten({ name: "rows" })
  ).apply(rows) as tfType.SymbolicTensor;
  return tf.layers
    .dense({ name: "logits", units: numClasses })
    .apply(pooled) as tfType.SymbolicTensor;
}
