/**
 * The two alternating steps of the search (ProxylessNAS): a weight step along one sampled path,
 * and an architecture step through two sampled choices per block, mixed by their renormalized
 * softmax(α) probabilities, under seed 004's ops-penalty loss.
 */
import * as tf from "@tensorflow/tfjs";
import { archLoss, expectedOps } from "./ops-loss";
import type { Supernet } from "./supernet";

const oneHot = (labels: Int32Array, classes: number) =>
  tf.oneHot(tf.tensor1d(labels, "int32"), classes);

/** One optimizer step on the supernet's weights along `path` (one choice index per block). */
export function weightStep(
  net: Supernet,
  opt: tf.Optimizer,
  x: tf.Tensor4D,
  labels: Int32Array,
  path: { j: number; weight: number }[][],
): tf.Scalar | null {
  return opt.minimize(
    () =>
      tf.losses.softmaxCrossEntropy(oneHot(labels, net.classes), net.forward(x, path)) as tf.Scalar,
    true,
    net.weights,
  );
}

/** One optimizer step on α through the choice pairs `pairs[b] = [i, j]` (i = j: that choice alone). */
export function archStep(
  net: Supernet,
  opt: tf.Optimizer,
  x: tf.Tensor4D,
  labels: Int32Array,
  pairs: number[][],
  o: { ops: number[][]; fixed: number; target: number; beta: number },
): tf.Scalar | null {
  return opt.minimize(
    () => {
      const mixed = net.alphas.map((a, bi) => {
        const sm = tf.softmax(a);
        const [i, j] = pairs[bi];
        // A one-hot dot product, not gather: gather's gradient needs UnsortedSegmentSum, which
        // the wasm backend lacks.
        const pick = (k: number) =>
          tf.sum(sm.mul(tf.oneHot([k], sm.size).reshape([sm.size]))) as tf.Scalar;
        const pi = pick(i);
        const pj = pick(j);
        const z = pi.add(pj);
        return i === j
          ? [{ j: i, weight: 1 }]
          : [
              { j: i, weight: pi.div(z) as tf.Scalar },
              { j, weight: pj.div(z) as tf.Scalar },
            ];
      });
      const ce = tf.losses.softmaxCrossEntropy(
        oneHot(labels, net.classes),
        net.forward(x, mixed),
      ) as tf.Scalar;
      return archLoss(ce, expectedOps(net.alphas, o.ops, o.fixed), o.target, o.beta);
    },
    true,
    net.alphas,
  );
}
