/**
 * Seed 004's architecture loss: CE · (log(ops_expected) / log(ops_target))^β, where
 * ops_expected = fixed ops + Σ_blocks Σ_choices softmax(α_b)_j · ops_bj is differentiable in the
 * architecture logits α (ProxylessNAS's expected-latency term, with operations for latency).
 */
import * as tf from "@tensorflow/tfjs";

/** Expected ops of the network: `fixed` plus each block's ops weighted by softmax(α_b). */
export function expectedOps(alphas: tf.Tensor1D[], ops: number[][], fixed: number): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Tensor = tf.scalar(fixed);
    alphas.forEach((a, b) => {
      total = total.add(tf.sum(tf.softmax(a).mul(tf.tensor1d(ops[b]))));
    });
    return total as tf.Scalar;
  });
}

export function archLoss(
  ce: tf.Scalar,
  opsExpected: tf.Scalar,
  opsTarget: number,
  beta: number,
): tf.Scalar {
  return tf.tidy(
    () => ce.mul(tf.pow(tf.log(opsExpected).div(Math.log(opsTarget)), beta)) as tf.Scalar,
  );
}
