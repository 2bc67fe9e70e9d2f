/**
 * Accuracy of a float model on a feature set: overall, per class and the confusion matrix
 * (rows: true class, columns: predicted), plus mean cross-entropy.
 */
import * as tf from "@tensorflow/tfjs";
import { type FeatureSet, type InputNorm, normalizeInPlace } from "./features";

export interface EvalResult {
  accuracy: number;
  /** Per class name: accuracy on that class's examples (null when it has none) and count. */
  perClass: Record<string, { accuracy: number | null; n: number }>;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  n: number;
  loss: number;
  labels: string[];
}

/** Scores model logits against labels into an EvalResult. */
export function scorePredictions(
  predicted: ArrayLike<number>,
  labels: ArrayLike<number>,
  classNames: string[],
  lossSum = 0,
): EvalResult {
  const k = classNames.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    confusion[labels[i]][predicted[i]]++;
    if (labels[i] === predicted[i]) correct++;
  }
  const perClass: EvalResult["perClass"] = {};
  classNames.forEach((name, c) => {
    const n = confusion[c].reduce((a, b) => a + b, 0);
    perClass[name] = { accuracy: n > 0 ? confusion[c][c] / n : null, n };
  });
  const n = labels.length;
  return {
    accuracy: n > 0 ? correct / n : 0,
    perClass,
    confusion,
    n,
    loss: n > 0 ? lossSum / n : 0,
    labels: classNames,
  };
}

/** Runs the model (inference mode) over a feature set in batches. */
export function evaluateModel(
  model: tf.LayersModel,
  set: FeatureSet,
  norm: InputNorm,
  classNames: string[],
  batchSize = 256,
): EvalResult {
  const size = set.frames * set.coeffs;
  const n = set.labels.length;
  const predicted = new Int32Array(n);
  let lossSum = 0;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const x = normalizeInPlace(set.data.slice(start * size, end * size), norm);
    const labels = set.labels.subarray(start, end);
    const [pred, loss] = tf.tidy(() => {
      const logits = model.apply(tf.tensor4d(x, [end - start, set.frames, set.coeffs, 1]), {
        training: false,
      }) as tf.Tensor;
      const oneHot = tf.oneHot(tf.tensor1d(labels, "int32"), classNames.length);
      const l = tf.losses.softmaxCrossEntropy(
        oneHot,
        logits,
        undefined,
        undefined,
        tf.Reduction.SUM,
      );
      return [tf.argMax(logits, -1).dataSync(), l.dataSync()[0]] as const;
    });
    predicted.set(pred, start);
    lossSum += loss;
  }
  return scorePredictions(predicted, set.labels, classNames, lossSum);
}
