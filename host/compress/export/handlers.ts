/**
 * One handler per layer kind, chosen by the tfjs class name. A handler exports its layer (and
 * any layers it fuses, which it marks done) into the context's graph. A class without an entry
 * has no device op: the exporter says so naming the layer.
 */
import { exportAdd } from "./add";
import { exportBatchNorm } from "./batch-norm";
import type { ExportContext } from "./context";
import { exportConvLike } from "./conv";
import { exportCrop } from "./crop";
import type { BnParams, L } from "./layers";
import { exportZeroPadding } from "./padding";
import { exportGlobalPool, exportPool } from "./pool";

export type LayerHandler = (ctx: ExportContext, l: L) => void;

/** The graph input, quantized on its calibrated range. */
function exportInput(ctx: ExportContext, l: L): void {
  const shape = (l.batchInputShape as number[]).slice(1);
  const x = ctx.g.input(shape);
  const p = ctx.outParams(l);
  ctx.acts.set(l.name, ctx.g.quantize(x, p.scale, p.zeroPoint));
}

/** Flatten and dropout are free: the same tensor (and any BN waiting to fold) passes on. */
function exportPassThrough(ctx: ExportContext, l: L): void {
  const src = ctx.inputOf(l);
  ctx.acts.set(l.name, ctx.inputAct(l));
  if (ctx.pendingAffine.has(src.name))
    ctx.pendingAffine.set(l.name, ctx.pendingAffine.get(src.name) as BnParams);
}

export const LAYER_HANDLERS: Record<string, LayerHandler> = {
  InputLayer: exportInput,
  Flatten: exportPassThrough,
  Dropout: exportPassThrough,
  Conv2D: exportConvLike,
  DepthwiseConv2D: exportConvLike,
  Dense: exportConvLike,
  EarshotQConv2D: exportConvLike,
  EarshotQDepthwiseConv2D: exportConvLike,
  EarshotQDense: exportConvLike,
  BatchNormalization: exportBatchNorm,
  EarshotQBatchNorm: exportBatchNorm,
  Add: exportAdd,
  ZeroPadding2D: exportZeroPadding,
  Cropping2D: exportCrop,
  AveragePooling2D: exportPool,
  MaxPooling2D: exportPool,
  GlobalAveragePooling2D: exportGlobalPool,
  GlobalMaxPooling2D: exportGlobalPool,
};
