/**
 * A batch norm not after a conv (res8's ReLU -> BN): folded forward into a following dense (its
 * input tensor stays the same), otherwise exported as a 1x1 depthwise conv (the per-channel
 * affine), taking the input's known error out through the bias.
 */
import { DT_INT8, DT_INT16 } from "../../../shared/model-format/types";
import { activationClamp, quantizeWeightsPerChannel, requantMultipliers } from "../quant-params";
import type { ExportContext } from "./context";
import { bnParams, cls, isBinary, type L } from "./layers";

export function exportBatchNorm(ctx: ExportContext, l: L): void {
  const x = ctx.inputAct(l);
  const bn = bnParams(l);
  const next = ctx.soleConsumer(l);
  const after =
    next && (cls(next) === "Flatten" || cls(next) === "Dropout") ? ctx.soleConsumer(next) : next;
  if (after && /Dense/.test(cls(after)) && !isBinary(after)) {
    // Exact: dense(k x + b0) = (W diag k) x + (W b0 + b); the input tensor stays x.
    ctx.acts.set(l.name, x);
    ctx.pendingAffine.set(l.name, bn);
    return;
  }
  // A per-channel affine = 1x1 depthwise conv.
  const C = x.shape[x.shape.length - 1];
  const { q, scales } = quantizeWeightsPerChannel(bn.k, C, true, 8);
  const outDtype = x.dtype === DT_INT16 ? DT_INT16 : DT_INT8;
  const p = ctx.outParams(l, outDtype);
  // k (x - off) + b0: the input's known error leaves through the bias.
  const off = ctx.offsets.get(x.index) ?? new Array<number>(C).fill(0);
  const bias = bn.b0.map((b, c) => Math.round((b - bn.k[c] * off[c]) / (x.scale * scales[c])));
  const rq = requantMultipliers(x.scale, scales, p.scale);
  const clamp = activationClamp("none", p.scale, p.zeroPoint, outDtype);
  const shape3 = x.shape.length === 3 ? x : { ...x, shape: [1, 1, C] };
  ctx.acts.set(
    l.name,
    ctx.g.conv2d(
      shape3,
      {
        weights: q,
        wShape: [1, 1, C],
        wScales: scales,
        bias,
        ...rq,
        outScale: p.scale,
        outZp: p.zeroPoint,
        outDtype,
        ...clamp,
      },
      true,
    ),
  );
}
