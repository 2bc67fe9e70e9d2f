/**
 * Pooling: average / max (rectangular windows) and global average / max, all keeping their
 * input's quantization and dtype, and passing its known per-channel error on.
 */
import { dtypeRange } from "../../../shared/model-format/layout";
import { PAD_SAME, PAD_VALID } from "../../../shared/model-format/types";
import type { ExportContext } from "./context";
import { cls, type L } from "./layers";

export function exportPool(ctx: ExportContext, l: L): void {
  const x = ctx.inputAct(l);
  const c = l.getConfig() as {
    poolSize: [number, number];
    strides: [number, number];
    padding: string;
  };
  const [lo, hi] = dtypeRange(x.dtype);
  const max = cls(l) === "MaxPooling2D";
  const pad = c.padding === "same" ? PAD_SAME : PAD_VALID;
  const y = ctx.g.pool(x, max, c.poolSize, c.strides, pad, lo, hi);
  ctx.passOffsets(x, y);
  ctx.acts.set(l.name, y);
}

export function exportGlobalPool(ctx: ExportContext, l: L): void {
  const x = ctx.inputAct(l);
  const [lo, hi] = dtypeRange(x.dtype);
  const y =
    cls(l) === "GlobalMaxPooling2D"
      ? ctx.g.globalMaxPool(x, lo, hi)
      : ctx.g.globalAvgPool(x, lo, hi);
  ctx.passOffsets(x, y);
  ctx.acts.set(l.name, y);
}
