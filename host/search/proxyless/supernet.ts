/**
 * The over-parameterized network of the search, in tfjs core ops: every choice of every block
 * has its own weights; a forward pass takes one choice per block (weight steps, ProxylessNAS's
 * path sampling) or a softmax(α)-weighted mix of two sampled choices per block (architecture
 * steps, so the loss reaches α). Weights are fake-quantized to 8 bits with a straight-through
 * estimator (seed 004: 8-bit weights during the search). Feature maps are normalized with batch
 * statistics (no running averages: the supernet is never deployed; the derived net is retrained).
 */
import * as tf from "@tensorflow/tfjs";
import type { MbChoice } from "../../models/mbconv";
import { choices, type ProxylessSpace } from "./space";

/** Symmetric per-tensor 8-bit fake quantization; the gradient passes straight through. */
export const fakeQuant8 = tf.customGrad(((w: tf.Tensor) => {
  const s = tf.maximum(tf.max(tf.abs(w)), 1e-8).div(127);
  return { value: tf.round(w.div(s)).mul(s), gradFunc: (dy: tf.Tensor) => dy };
}) as never) as (w: tf.Tensor) => tf.Tensor;

interface ChoiceWeights {
  expand: tf.Variable | null;
  dw: tf.Variable;
  project: tf.Variable;
}

const he = (shape: number[], fanIn: number, seed: number) =>
  tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), "float32", seed));

function norm(x: tf.Tensor4D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return x.sub(mean).div(tf.sqrt(variance.add(1e-3))) as tf.Tensor4D;
}

export class Supernet {
  readonly choices: MbChoice[][];
  readonly alphas: tf.Variable<tf.Rank.R1>[];
  readonly weights: tf.Variable[] = [];
  private readonly stem: tf.Variable;
  private readonly blocks: (ChoiceWeights | null)[][];
  private readonly head: tf.Variable;
  private readonly dense: tf.Variable;
  private readonly bias: tf.Variable;

  constructor(
    readonly space: ProxylessSpace,
    readonly classes: number,
    seed: number,
  ) {
    let s = seed;
    const C = space.channels;
    this.stem = he([5, 11, 1, C], 55, ++s);
    this.choices = Array.from({ length: space.blocks }, (_, b) => choices(space, b));
    this.blocks = this.choices.map((cs) =>
      cs.map((c) => {
        if (c === "identity") return null;
        const eC = C * c.expansion;
        return {
          expand: c.expansion > 1 ? he([1, 1, C, eC], C, ++s) : null,
          dw: he([c.kernel, c.kernel, eC, 1], c.kernel * c.kernel, ++s),
          project: he([1, 1, eC, C], eC, ++s),
        };
      }),
    );
    this.head = he([1, 1, C, space.headChannels], C, ++s);
    this.dense = he([space.headChannels, classes], space.headChannels, ++s);
    this.bias = tf.variable(tf.zeros([classes]));
    this.weights.push(this.stem, this.head, this.dense, this.bias);
    for (const bw of this.blocks)
      for (const w of bw)
        if (w)
          this.weights.push(
            ...[w.expand, w.dw, w.project].filter((v): v is tf.Variable => v !== null),
          );
    this.alphas = this.choices.map(
      (cs) => tf.variable(tf.zeros([cs.length]), true) as tf.Variable<tf.Rank.R1>,
    );
  }

  private choice(x: tf.Tensor4D, b: number, j: number): tf.Tensor4D {
    const w = this.blocks[b][j];
    if (!w) return x;
    const stride = b === 0 ? 2 : 1;
    let y = x;
    if (w.expand) y = tf.relu(norm(tf.conv2d(y, fakeQuant8(w.expand) as tf.Tensor4D, 1, "same")));
    y = tf.relu(norm(tf.depthwiseConv2d(y, fakeQuant8(w.dw) as tf.Tensor4D, stride, "same")));
    y = norm(tf.conv2d(y, fakeQuant8(w.project) as tf.Tensor4D, 1, "same"));
    return stride === 1 ? y.add(x) : y;
  }

  /**
   * Logits for `x` with, per block, either one choice index or a weighted set of choices
   * ({j, weight}[], weights may be tensors depending on α).
   */
  forward(x: tf.Tensor4D, path: { j: number; weight: tf.Scalar | number }[][]): tf.Tensor2D {
    let h = tf.relu(norm(tf.conv2d(x, fakeQuant8(this.stem) as tf.Tensor4D, [1, 2], "same")));
    for (let b = 0; b < this.blocks.length; b++) {
      let out: tf.Tensor4D | null = null;
      for (const { j, weight } of path[b]) {
        const y = this.choice(h, b, j).mul(weight) as tf.Tensor4D;
        out = out ? (out.add(y) as tf.Tensor4D) : y;
      }
      h = out as tf.Tensor4D;
    }
    h = tf.relu(norm(tf.conv2d(h, fakeQuant8(this.head) as tf.Tensor4D, 1, "same")));
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    return tf.matMul(pooled, fakeQuant8(this.dense) as tf.Tensor2D).add(this.bias) as tf.Tensor2D;
  }

  /** The most likely choice of every block. */
  derive(): MbChoice[] {
    return this.alphas.map((a, b) => this.choices[b][tf.tidy(() => tf.argMax(a).dataSync()[0])]);
  }

  dispose(): void {
    for (const v of [...this.weights, ...this.alphas]) v.dispose();
  }
}
