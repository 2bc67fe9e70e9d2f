/**
 * Exporter: a trained tfjs model (float, QAT, sub-8-bit or binary) + calibration ranges ->
 * DeviceModel (shared/model-format), built through GraphBuilder.
 *
 * Walks the functional graph in topological order and fuses what the device computes as one op:
 * - conv / depthwise / dense [+ BN] [+ ReLU]: BN folds into per-channel weight scales and the
 *   bias (W' = W k, b' = (b - mean) k + beta, k = gamma / sqrt(var + eps)); weights become
 *   per-channel symmetric integers at the layer's bit width (the QAT grid when the layer was
 *   trained quantized), bias int32 = round(b' / (inScale wScale_c)), requantization
 *   (mult, shift) from inScale wScale_c / outScale (quant-params.ts), ReLU as the clamp.
 * - BN not after a conv (res8's ReLU -> BN): folded forward into a following dense; otherwise a
 *   1x1 depthwise conv (the per-channel affine).
 * - binary layers (ste_sign weights and inputs): when the producer is another binary conv
 *   followed only by [ReLU] BN, the BN + sign are folded into integer popcount thresholds
 *   (threshold-fold.ts) and the producer emits bits (BCONV2D); otherwise the integer input is
 *   binarized at its zero point (sign(x) = x >= 0) and the binary layer emits integers with its
 *   BN folded into a signed multiplier (BCONV2D_INT / BDENSE_INT). Integer tensors whose sign a
 *   binary layer reads are int16 (the first conv's output too). BCONV2D_INT's bias is whole
 *   ±1-dot units: its rounding is a known per-channel error that adds and pools carry and that
 *   binarize thresholds and BN / dense biases take back out.
 * - a quantized layer fed int16 (a binary net's classifier) gets its input requantized to its
 *   trained 8-bit range first, as its input quantizer rounds it in tfjs.
 * - add, average/max pooling, global average/max pooling; flatten and dropout are free; the output
 *   logits go through the integer softmax.
 * Activation ranges: a quantized consumer's trained input range when it has one, else the
 * calibration range (min/max or percentile) of the tensor.
 *
 * The work is split under export/: one handler per layer kind (handlers.ts dispatches by tfjs
 * class name: conv.ts, binary.ts, batch-norm.ts, pool.ts, add.ts), the state they share
 * (context.ts), reading tfjs layers (layers.ts), calibration (calibrate.ts).
 */
import type * as tf from "@tensorflow/tfjs";
import { numel } from "../../shared/model-format/layout";
import type { DeviceModel } from "../../shared/model-format/types";
import type { ExportOptions } from "./export/context";
import { Exporter } from "./export/exporter";

export { calibrate } from "./export/calibrate";
export type { ExportOptions } from "./export/context";
export { Exporter } from "./export/exporter";

/** Exports a model to a DeviceModel (see module comment). */
export function exportModel(model: tf.LayersModel, opts: ExportOptions): DeviceModel {
  const m = new Exporter(model, opts).run();
  if (numel(m.tensors[m.input].shape) === 0) throw new Error("empty input");
  return m;
}
