/**
 * Post-training quantization: a float model becomes a fake-quantized one (per-channel symmetric
 * weights at N bits, asymmetric 8-bit activations) whose activation ranges come from a
 * calibration set: min/max, or the p-th / (100-p)-th percentiles (clips rare outliers).
 *
 * Ranges are set layer by layer in topological order, each measured with the upstream layers
 * already quantized, so every range sees the inputs the integer model will produce.
 */
import * as tf from "@tensorflow/tfjs";
import { applyPrecision, type Precision, type PrecisionOptions } from "./precision";
import { isQuantLayer } from "./qlayers";

export interface CalibrationOptions {
  /** Percentile for the range (e.g. 99.99); undefined = min/max. */
  percentile?: number;
}

export function rangeOf(values: ArrayLike<number>, percentile?: number): [number, number] {
  if (percentile === undefined || percentile >= 100) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < values.length; i++) {
      if (values[i] < lo) lo = values[i];
      if (values[i] > hi) hi = values[i];
    }
    return [lo, hi];
  }
  const s = Float32Array.from(values).sort();
  const at = (p: number) =>
    s[Math.min(s.length - 1, Math.max(0, Math.round((p / 100) * (s.length - 1))))];
  return [at(100 - percentile), at(percentile)];
}

/** Sets every quantized layer's input range from `features` (inference mode). */
export function calibrateInputRanges(
  model: tf.LayersModel,
  features: tf.Tensor,
  o: CalibrationOptions = {},
): void {
  for (const l of model.layers) {
    if (!isQuantLayer(l) || !l.inputMin || !l.inputMax) continue;
    const probe = tf.model({ inputs: model.inputs, outputs: l.input as tf.SymbolicTensor });
    const x = probe.predict(features) as tf.Tensor;
    const [lo, hi] = rangeOf(x.dataSync(), o.percentile);
    x.dispose();
    l.inputMin.write(tf.scalar(lo));
    l.inputMax.write(tf.scalar(hi));
  }
}

/** PTQ: quantize a float model's weights to `weightBits` and calibrate its activations. */
export function postTrainingQuantize(
  model: tf.LayersModel,
  features: tf.Tensor,
  weightBits: number,
  o: CalibrationOptions & PrecisionOptions = {},
): tf.LayersModel {
  const precision: Precision = "int8";
  const q = applyPrecision(model, precision, { ...o, weightBits });
  calibrateInputRanges(q, features, o);
  return q;
}
