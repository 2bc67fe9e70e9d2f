/**
 * Seed 002's target-distribution regulariser for tanh-quantized weights (stage 1):
 *   R(W) = lambdaSigma * (sigma_w - sigma_t)^2 + lambdaMu * mu_w^2
 * with mu_w, sigma_w the mean and standard deviation of the layer's latent weights. Weights are
 * initialised from N(0, sigma_t^2); the penalty keeps them near it, so tanh(W) stays spread
 * over [-1, 1] (near uniform) and a linear quantizer after tanh uses its levels evenly.
 */
import * as tf from "@tensorflow/tfjs";

export interface TargetDistributionConfig {
  sigmaT: number;
  lambdaSigma: number;
  lambdaMu: number;
}

export const TANH_TARGET_DEFAULT: TargetDistributionConfig = {
  sigmaT: 0.6,
  lambdaSigma: 1e-2,
  lambdaMu: 1e-2,
};

export function targetDistributionPenalty(w: tf.Tensor, c: TargetDistributionConfig): tf.Scalar {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(w);
    const sd = tf.sqrt(tf.add(variance, 1e-12));
    return tf.add(
      tf.mul(c.lambdaSigma, tf.square(tf.sub(sd, c.sigmaT))),
      tf.mul(c.lambdaMu, tf.square(mean)),
    ) as tf.Scalar;
  });
}

// tfjs-layers does not export its Regularizer base class; take it from a built-in one.
const RegularizerBase = Object.getPrototypeOf(tf.regularizers.l2().constructor) as new () => {
  apply(x: tf.Tensor): tf.Scalar;
};

export class TargetDistribution extends RegularizerBase {
  static className = "EarshotTargetDistribution";
  constructor(readonly config: TargetDistributionConfig) {
    super();
  }
  override apply(x: tf.Tensor): tf.Scalar {
    return targetDistributionPenalty(x, this.config);
  }
  getConfig(): tf.serialization.ConfigDict {
    return { ...this.config };
  }
  static fromConfig(
    cls: new (c: TargetDistributionConfig) => TargetDistribution,
    config: tf.serialization.ConfigDict,
  ): TargetDistribution {
    return new cls(config as unknown as TargetDistributionConfig);
  }
}

tf.serialization.registerClass(
  TargetDistribution as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
);
