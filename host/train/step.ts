/**
 * One optimizer step of a classifier on a batch: softmax cross-entropy on the model's logits,
 * gradients through the active backend, and the batch's accuracy from the same forward pass.
 */
import * as tf from "@tensorflow/tfjs";
import { fusionPlan, withFusedLayers } from "./fuse-layers";

export interface StepResult {
  /** Mean cross-entropy of the batch. */
  loss: number;
  /** Examples whose argmax logit equals the label. */
  correct: number;
}

/** Options of the loss a step minimizes (beyond the cross-entropy on labels). */
export interface LossOptions {
  /** Extra loss term (e.g. compression regularisers), added to the cross-entropy. */
  extraLoss?: () => tf.Scalar;
  /**
   * Distillation (Hinton et al. 2015): (1 - weight) * CE(labels, logits) + weight * T^2 *
   * CE(teacher probs at T, softmax(logits / T)); T^2 keeps the soft term's gradients on the
   * hard term's scale. Rows whose targets are all zero take the hard term alone.
   */
  distill?: { weight: number; temperature: number };
  /**
   * Label smoothing of the hard targets (Szegedy et al. 2016): the one-hot label becomes
   * (1 - e) one-hot + e / classes, so the model is not pushed to ever larger logits on a few
   * thousand clips. 0 or absent: none.
   */
  labelSmoothing?: number;
}

/**
 * The training loss of a batch in training mode, and (kept, for the caller to dispose) the
 * count of correct argmax predictions from the same forward pass. Call inside a gradient scope.
 */
export function classifierLoss(
  model: tf.LayersModel,
  opts: LossOptions = {},
): (
  x: tf.Tensor,
  labels: tf.Tensor1D,
  targets?: tf.Tensor2D,
) => { loss: tf.Scalar; correct: tf.Tensor } {
  const numClasses = (model.outputs[0].shape as number[]).at(-1) as number;
  const { extraLoss, distill } = opts;
  const smooth = opts.labelSmoothing ?? 0;
  // res8's first conv, ReLU and pooling, and batch norms, as fused ops (fuse-layers.ts).
  const fused = fusionPlan(model);
  return (x, labels, targets) => {
    const logits = withFusedLayers(fused, () => model.apply(x, { training: true }) as tf.Tensor);
    const correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), labels), "int32")));
    const oneHot = tf.oneHot(labels, numClasses);
    let ce = tf.losses.softmaxCrossEntropy(oneHot, logits, undefined, smooth) as tf.Scalar;
    if (distill && targets) {
      // Per row: a row of targets summing to 1 mixes soft and hard loss; an all-zero row (a
      // source without a teacher) keeps the hard loss alone.
      const t = distill.temperature;
      const none = tf.Reduction.NONE;
      const hard = tf.losses.softmaxCrossEntropy(oneHot, logits, undefined, smooth, none);
      const soft = tf.losses.softmaxCrossEntropy(targets, tf.div(logits, t), undefined, 0, none);
      const w = tf.mul(tf.sum(targets, -1), distill.weight);
      ce = tf.mean(tf.add(tf.mul(hard, tf.sub(1, w)), tf.mul(soft, tf.mul(w, t * t)))) as tf.Scalar;
    }
    return { loss: extraLoss ? (tf.add(ce, extraLoss()) as tf.Scalar) : ce, correct };
  };
}

/** Builds the step function for a model (logits out) and an optimizer. */
export function makeTrainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  extraLoss?: LossOptions["extraLoss"],
  distill?: LossOptions["distill"],
  labelSmoothing?: number,
): (x: tf.Tensor, labels: tf.Tensor1D, targets?: tf.Tensor2D) => StepResult {
  const lossOf = classifierLoss(model, { extraLoss, distill, labelSmoothing });
  // An explicit variable list: the optimizer keys its state by position in this list.
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return (x, labels, targets) => {
    let correct: tf.Tensor | undefined;
    const loss = optimizer.minimize(
      () => {
        const r = lossOf(x, labels, targets);
        correct = r.correct;
        return r.loss;
      },
      true,
      vars,
    ) as tf.Scalar;
    const result = { loss: loss.dataSync()[0], correct: (correct as tf.Tensor).dataSync()[0] };
    tf.dispose([loss, correct as tf.Tensor]);
    return result;
  };
}

/**
 * Polynomial decay as in seed 000 (and tf.keras PolynomialDecay): from `start` at step 0 to
 * `end` at `totalSteps`, lr = (start - end) * (1 - t/T)^power + end; constant afterwards.
 */
export function polynomialDecay(
  start: number,
  end: number,
  totalSteps: number,
  power = 1,
): (step: number) => number {
  return (step) => {
    const t = Math.min(step, totalSteps) / Math.max(1, totalSteps);
    return (start - end) * (1 - t) ** power + end;
  };
}

/** Sets an optimizer's learning rate for the next steps (tfjs reads the field on every step). */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}
