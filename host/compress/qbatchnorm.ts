/**
 * Seed 002 stage 2: batch norm with quantized parameters. All four parameter sets are linearly
 * quantized; x, mu_B and sigma_B^2 first go through the scale factor C_BN into a fixed-point
 * range [-1, 1) (b bits, 2^(b-1) steps per unit), because the statistics have a large and
 * drifting dynamic range:
 *   x_norm = (q(x / C) - q(mu / C)) / sqrt(q(sigma^2 / C^2))        (paper eq. 2)
 *   y      = q(gamma) * x_norm + q(beta)                             (gamma, beta: max-abs linear)
 * q rounds with the straight-through estimator. Training uses the batch moments and updates the
 * moving ones (momentum 0.99), like BatchNormalization; the weights are named and ordered as
 * BatchNormalization's (gamma, beta, moving_mean, moving_variance), so weights copy across.
 */
import * as tf from "@tensorflow/tfjs";
import { fakeQuantWeights, steRound } from "./quantizers";

export interface QBatchNormArgs {
  name?: string;
  epsilon?: number;
  momentum?: number;
  bits?: number;
  /** C_BN. */
  cBn?: number;
  trainable?: boolean;
}

/** Fixed-point fake quantization on [-1, 1) with 2^(bits-1) steps per unit (STE). */
export function fixedPoint(x: tf.Tensor, bits: number): tf.Tensor {
  const s = 2 ** (bits - 1);
  return tf.div(tf.clipByValue(steRound(tf.mul(x, s)), -s, s - 1), s);
}

export class QBatchNorm extends tf.layers.Layer {
  static className = "EarshotQBatchNorm";
  readonly a: Required<Omit<QBatchNormArgs, "name" | "trainable">>;
  gamma!: tf.LayerVariable;
  beta!: tf.LayerVariable;
  movingMean!: tf.LayerVariable;
  movingVariance!: tf.LayerVariable;

  constructor(args: QBatchNormArgs) {
    super(args as tf.serialization.ConfigDict);
    this.a = {
      epsilon: args.epsilon ?? 1e-3,
      momentum: args.momentum ?? 0.99,
      bits: args.bits ?? 8,
      cBn: args.cBn ?? 16,
    };
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const c = s[s.length - 1] as number;
    this.gamma = this.addWeight("gamma", [c], "float32", tf.initializers.ones());
    this.beta = this.addWeight("beta", [c], "float32", tf.initializers.zeros());
    this.movingMean = this.addWeight(
      "moving_mean",
      [c],
      "float32",
      tf.initializers.zeros(),
      undefined,
      false,
    );
    this.movingVariance = this.addWeight(
      "moving_variance",
      [c],
      "float32",
      tf.initializers.ones(),
      undefined,
      false,
    );
    this.built = true;
  }

  /** The effective (dequantized) parameters, as the exporter folds them. */
  quantizedParams(
    mean: tf.Tensor,
    variance: tf.Tensor,
  ): { gamma: tf.Tensor; beta: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
    const { bits, cBn } = this.a;
    return {
      gamma: fakeQuantWeights(this.gamma.read(), bits, false),
      beta: fakeQuantWeights(this.beta.read(), bits, false),
      mean: tf.mul(fixedPoint(tf.div(mean, cBn), bits), cBn),
      variance: tf.mul(fixedPoint(tf.div(variance, cBn * cBn), bits), cBn * cBn),
    };
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const axes = x.shape.map((_, i) => i).slice(0, -1);
      let mean = this.movingMean.read();
      let variance = this.movingVariance.read();
      if (kwargs?.training) {
        const m = tf.moments(x, axes);
        mean = m.mean;
        variance = m.variance;
        const k = this.a.momentum;
        tf.tidy(() => {
          this.movingMean.write(tf.add(tf.mul(this.movingMean.read(), k), tf.mul(m.mean, 1 - k)));
          this.movingVariance.write(
            tf.add(tf.mul(this.movingVariance.read(), k), tf.mul(m.variance, 1 - k)),
          );
        });
      }
      const { bits, cBn, epsilon } = this.a;
      const p = this.quantizedParams(mean, variance);
      const xq = tf.mul(fixedPoint(tf.div(x, cBn), bits), cBn);
      return tf.add(
        tf.mul(p.gamma, tf.div(tf.sub(xq, p.mean), tf.sqrt(tf.add(p.variance, epsilon)))),
        p.beta,
      );
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.a };
  }
}

tf.serialization.registerClass(QBatchNorm);
