/**
 * Cropping2D along time only (res8-stream's identity shortcut, `skip: "crop"`): no device op
 * crops, so it exports as a fixed identity depthwise conv, VALID along time, whose window of
 * top + 1 + bottom rows has its one tap on the row the crop keeps. Scale and zero point stay the
 * input's and the multiplier is exact, so every value passes unchanged.
 */
import { DT_INT8, PAD_VALID } from "../../../shared/model-format/types";
import { CompressError } from "../errors";
import { requantMultipliers } from "../quant-params";
import type { ExportContext } from "./context";
import type { L } from "./layers";

export function exportCrop(ctx: ExportContext, l: L): void {
  const crop = (l.getConfig() as { cropping: [[number, number], [number, number]] }).cropping;
  const [[top, bottom], [left, right]] = crop;
  if (left !== 0 || right !== 0)
    throw new CompressError(
      `cannot export ${l.name} (Cropping2D ${JSON.stringify(crop)}): only cropping along time has a device form`,
    );
  const x = ctx.inputAct(l);
  if (x.dtype !== DT_INT8 || x.shape.length !== 3)
    throw new CompressError(
      `cannot export ${l.name} (Cropping2D): its input is not an int8 feature map`,
    );
  const C = x.shape[2];
  const kH = top + 1 + bottom;
  // Weight 1 at scale 1: the multiplier is exactly 1.
  const q = Array.from({ length: kH * C }, (_, i) => (Math.floor(i / C) === top ? 1 : 0));
  const scales = new Array<number>(C).fill(1);
  const y = ctx.g.conv2d(
    x,
    {
      weights: q,
      wShape: [kH, 1, C],
      wScales: scales,
      bias: new Array<number>(C).fill(0),
      ...requantMultipliers(x.scale, scales, x.scale),
      outScale: x.scale,
      outZp: x.zeroPoint,
      actMin: -128,
      actMax: 127,
      padding: PAD_VALID,
    },
    true,
  );
  ctx.passOffsets(x, y);
  ctx.acts.set(l.name, y);
}
