/**
 * ZeroPadding2D along frequency only, before a VALID conv (res8-stream's time-causal convs):
 * no op of its own. The conv exports with padding 2 (VALID along time, SAME along frequency),
 * whose implicit zeros are the real zeros the layer adds (the conv's input zero point), so the
 * integer graph computes what tfjs does. Any other padding has no device form here.
 */
import { CompressError } from "../errors";
import type { ExportContext } from "./context";
import { cls, type L } from "./layers";

export function exportZeroPadding(ctx: ExportContext, l: L): void {
  const pad = (l.getConfig() as { padding: [[number, number], [number, number]] }).padding;
  const conv = ctx.soleConsumer(l);
  const cfg = conv?.getConfig() as
    | { padding?: string; kernelSize?: number[]; strides?: number[] }
    | undefined;
  const kW = cfg?.kernelSize?.[1] ?? 0;
  const before = Math.floor((kW - 1) / 2);
  const ok =
    conv !== null &&
    /^(Conv2D|DepthwiseConv2D|EarshotQConv2D|EarshotQDepthwiseConv2D)$/.test(cls(conv)) &&
    cfg?.padding === "valid" &&
    (cfg?.strides?.[1] ?? 1) === 1 &&
    pad[0][0] === 0 &&
    pad[0][1] === 0 &&
    pad[1][0] === before &&
    pad[1][1] === kW - 1 - before;
  if (!ok)
    throw new CompressError(
      `cannot export ${l.name} (ZeroPadding2D ${JSON.stringify(pad)}): only frequency padding as SAME would add, before one VALID conv of stride 1 along frequency`,
    );
  ctx.acts.set(l.name, ctx.inputAct(l));
  ctx.freqPadded.add((conv as L).name);
}
