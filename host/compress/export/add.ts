/** Elementwise add of two quantized tensors into the wider input's dtype; errors add up. */
import { dtypeRange } from "../../../shared/model-format/layout";
import { DT_INT16 } from "../../../shared/model-format/types";
import type { Act } from "../graph-builder";
import { addMultipliers } from "../quant-params";
import type { ExportContext } from "./context";
import type { L } from "./layers";

export function exportAdd(ctx: ExportContext, l: L): void {
  let [a, b] = l.inboundNodes[0].inboundLayers.map((s) => ctx.acts.get(s.name) as Act);
  // The output takes the wider input's dtype (int16 inside binary nets); put it first.
  if (b.dtype === DT_INT16 && a.dtype !== DT_INT16) [a, b] = [b, a];
  const wide = a.dtype === DT_INT16;
  const p = ctx.outParams(l, a.dtype);
  const [lo, hi] = dtypeRange(a.dtype);
  const mults = addMultipliers(a.scale, b.scale, p.scale, wide ? 12 : 20);
  const y = ctx.g.add(a, b, mults, p.scale, p.zeroPoint, lo, hi);
  const oa = ctx.offsets.get(a.index);
  const ob = ctx.offsets.get(b.index);
  if (oa || ob) {
    const C = a.shape[a.shape.length - 1];
    ctx.offsets.set(
      y.index,
      Array.from({ length: C }, (_, c) => (oa?.[c] ?? 0) + (ob?.[c] ?? 0)),
    );
  }
  ctx.acts.set(l.name, y);
}
