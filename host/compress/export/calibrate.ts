/** Activation ranges for export: per-layer output ranges over a calibration batch. */
import * as tf from "@tensorflow/tfjs";
import { rangeOf } from "../ptq";

/** Per-layer output ranges over a calibration batch: min/max, or the p / 100-p percentiles. */
export function calibrate(
  model: tf.LayersModel,
  features: tf.Tensor,
  percentile?: number,
): Map<string, [number, number]> {
  const layers = model.layers.filter((l) => l.getClassName() !== "InputLayer");
  const probe = tf.model({
    inputs: model.inputs,
    outputs: layers.map((l) => l.output as tf.SymbolicTensor),
  });
  const ranges = new Map<string, [number, number]>();
  const outs = [...(probe.predict(features) as tf.Tensor[]), features];
  layers.push(model.layers.find((l) => l.getClassName() === "InputLayer") as tf.layers.Layer);
  layers.forEach((l, i) => {
    ranges.set(l.name, rangeOf(outs[i].dataSync(), percentile));
  });
  tf.dispose(outs.slice(0, -1));
  return ranges;
}
