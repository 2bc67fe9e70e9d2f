/**
 * How a model's integer outputs become scores, in one place for the device detector, the host's
 * integer evaluator and the reports: raw = output - zero point, score = raw * outputScale. A
 * softmax output is Q15 probabilities (SOFTMAX_ONE = 1.0); otherwise the output tensor's scale.
 */
import { SOFTMAX_ONE } from "../kernels/types";
import { type DeviceModel, OP_SOFTMAX } from "./types";

/** Whether the graph output is computed by a softmax op (Q15 probabilities, int32). */
export function softmaxOutput(model: DeviceModel): boolean {
  for (let i = 0; i < model.ops.length; i++) {
    const op = model.ops[i];
    if (op.outputs[0] === model.output) return op.code === OP_SOFTMAX;
  }
  return false;
}

/** The factor from raw scores (output minus zero point) to score units. */
export function outputScale(model: DeviceModel): number {
  if (softmaxOutput(model)) return 1 / SOFTMAX_ONE;
  const out = model.tensors[model.output];
  return out.scales.length > 0 ? out.scales[0] : 1;
}

/** The zero point raw scores are taken from (0 for softmax probabilities). */
export function outputZeroPoint(model: DeviceModel): number {
  return softmaxOutput(model) ? 0 : model.tensors[model.output].zeroPoint;
}
