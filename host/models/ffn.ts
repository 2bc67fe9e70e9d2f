/**
 * The streaming, state-free bottleneck FFN of seed 002: 20-dim LFBE frames, 81 frames
 * downsampled by 3 (27 stacked frames = 540 inputs), hidden dense layers with BN + ReLU,
 * a 2-way (wakeword / not) output. M0 widths {87, 400, 87, 400, 87, 400} give ~250K params.
 *
 * `swapBnAct` puts the (clipped) ReLU before BN, as seed 002's stage 2 does; `clip` bounds the
 * ReLU (clipped ReLU) for linear activation quantization.
 */
import * as tf from "@tensorflow/tfjs";
import { apply, type InputShape, type Sym } from "./common";

export interface FfnConfig {
  /** [frames, coefficients, 1] before downsampling, e.g. [81, 20, 1]. */
  inputShape: InputShape;
  numClasses: number;
  widths?: number[];
  /** Keep every n-th frame. */
  downsample?: number;
  swapBnAct?: boolean;
  clip?: number | null;
}

export const FFN_M0 = { widths: [87, 400, 87, 400, 87, 400], downsample: 3 };

export function buildFfn(c: FfnConfig): tf.LayersModel {
  const widths = c.widths ?? FFN_M0.widths;
  const ds = c.downsample ?? FFN_M0.downsample;
  const input = tf.input({ shape: c.inputShape, name: "features" });
  let x: Sym = input;
  if (ds > 1) {
    // Strided 1x1 pooling keeps every ds-th frame (a pure subsampling, no parameters).
    x = apply(
      tf.layers.maxPooling2d({
        name: "frames",
        poolSize: [1, 1],
        strides: [ds, 1],
        padding: "valid",
      }),
      x,
    );
  }
  x = apply(tf.layers.flatten({ name: "stack" }), x);
  widths.forEach((w, i) => {
    x = apply(tf.layers.dense({ name: `fc${i}`, units: w, useBias: false }), x);
    const bn = tf.layers.batchNormalization({ name: `fc${i}_bn`, epsilon: 1e-3, momentum: 0.9 });
    const act = tf.layers.reLU({ name: `fc${i}_relu`, maxValue: c.clip ?? undefined });
    x = c.swapBnAct ? apply(bn, apply(act, x)) : apply(act, apply(bn, x));
  });
  const logits = apply(tf.layers.dense({ name: "logits", units: c.numClasses }), x);
  return tf.model({ inputs: input, outputs: logits, name: "ffn" });
}
