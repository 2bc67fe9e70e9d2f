/**
 * What a candidate costs before it is trained, read off its built (float) tfjs model: bytes at
 * the family's stored bit width and multiply-accumulates per inference. The size cap is checked
 * on these; trained candidates also record their exported file's own figures.
 *
 * Counting rules (those of the exporter): conv, depthwise and dense kernels at the family's
 * weight width, except a binary net's first and last layers, which stay int8; batch norms fold
 * into one int32 per output channel of the layer before (bias or popcount threshold); a float
 * model stores every parameter as float32. The exporter can add a requantizing identity (e.g. a
 * C x C dense after global pooling of a binary net) that this count leaves out (tested: MACs
 * within 1% of the exported file's).
 */
import type * as tf from "@tensorflow/tfjs";
import { FAMILY_BITS, type Family } from "./space";

export interface ModelCost {
  params: number;
  /** Parameter bytes at the stored bit width (weights + one int32 per output channel). */
  bytes: number;
  /** Of which weights alone (kernels at their stored width). */
  weightBytes: number;
  /** MACs per inference, all layers. */
  macs: number;
  /** Of which ±1 MACs done by XNOR + popcount (binary layers). */
  binaryMacs: number;
  /** Elements written per inference by the ops left after BN/ReLU folding (conv, dense, add, pool). */
  activations: number;
}

const WEIGHTED = new Set(["Conv2D", "DepthwiseConv2D", "Dense"]);

function shapeOf(s: unknown): number[] {
  const one = (Array.isArray(s) && Array.isArray(s[0]) ? s[0] : s) as (number | null)[];
  return one.slice(1).map((d) => d ?? 1);
}

const KEPT = /^(Conv2D|DepthwiseConv2D|Dense|Add|AveragePooling2D|GlobalAveragePooling2D)$/;

function followsWeighted(l: tf.layers.Layer): boolean {
  const from = l.inboundNodes[0]?.inboundLayers[0];
  // A conv with a fused ReLU (res8's) leaves the batch norm after the nonlinearity: unfoldable.
  const act = (from?.getConfig() as { activation?: string } | undefined)?.activation;
  return from !== undefined && WEIGHTED.has(from.getClassName()) && (act ?? "linear") === "linear";
}

const prod = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

export function modelCost(model: tf.LayersModel, family: Family): ModelCost {
  const weighted = model.layers.filter((l) => WEIGHTED.has(l.getClassName()));
  let params = 0;
  let bytes = 0;
  let weightBytes = 0;
  let macs = 0;
  let binaryMacs = 0;
  let activations = 0;
  for (const l of model.layers) {
    const n = l.countParams();
    params += n;
    if (family === "float") bytes += n * 4;
    if (KEPT.test(l.getClassName())) activations += prod(shapeOf(l.outputShape));
    if (l.getClassName() === "BatchNormalization" && !followsWeighted(l)) {
      // A batch norm after an add cannot fold into a conv: the exporter makes it a 1x1
      // depthwise op (one MAC per element, one weight and one int32 bias per channel).
      const shape = shapeOf(l.outputShape);
      const c = shape[shape.length - 1];
      macs += prod(shape);
      activations += prod(shape);
      if (family !== "float") {
        bytes += c * (Math.max(8, FAMILY_BITS[family]) / 8 + 4);
        weightBytes += c * (Math.max(8, FAMILY_BITS[family]) / 8);
      }
      continue;
    }
    if (!WEIGHTED.has(l.getClassName())) continue;
    const kernel = l.getWeights()[0];
    const kernelElems = kernel.size;
    const outShape = shapeOf(l.outputShape);
    const outC = outShape[outShape.length - 1];
    const spatial = prod(outShape.slice(0, -1));
    // A conv kernel is [kh, kw, in, out] (depthwise [kh, kw, c, 1]): one MAC per kernel
    // element per output position; a dense layer's output has no spatial extent.
    const m = l.getClassName() === "Dense" ? kernelElems : spatial * kernelElems;
    const edge = l === weighted[0] || l === weighted[weighted.length - 1];
    const bits = family === "binary" && edge ? 8 : FAMILY_BITS[family];
    macs += m;
    if (family === "binary" && !edge) binaryMacs += m;
    weightBytes += (kernelElems * (family === "float" ? 32 : bits)) / 8;
    if (family !== "float") bytes += (kernelElems * bits) / 8 + outC * 4;
  }
  return { params, bytes, weightBytes, macs, binaryMacs, activations };
}
