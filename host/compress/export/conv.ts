/**
 * Conv / depthwise / dense [+ BN] [+ ReLU] as one integer op: BN folds into per-channel weight
 * scales and the bias (W' = W k, b' = (b - mean) k + beta, k = gamma / sqrt(var + eps));
 * weights become per-channel symmetric integers at the layer's bit width (the QAT grid when the
 * layer was trained quantized), bias int32 = round(b' / (inScale wScale_c)), requantization
 * from inScale wScale_c / outScale, ReLU as the clamp. A BN waiting before a dense folds in
 * exactly; binary layers go to binary.ts.
 */
import { DT_INT8, DT_INT16, PAD_VALID_H_SAME_W } from "../../../shared/model-format/types";
import type { Act } from "../graph-builder";
import { isQuantLayer } from "../qlayers";
import { activationClamp, quantizeWeightsPerChannel, requantMultipliers } from "../quant-params";
import { exportBinaryLayer } from "./binary";
import type { ExportContext } from "./context";
import {
  type BnParams,
  bnParams,
  cls,
  isBinary,
  isBn,
  kernelGrid,
  type L,
  type Relu,
  readConvLike,
} from "./layers";

/** The fused group after a conv-like layer: [BN] then [ReLU], or the conv's own ReLU. */
function fuseGroup(ctx: ExportContext, l: L): { bn: BnParams | null; relu: Relu; last: L } {
  let last = l;
  let bn: BnParams | null = null;
  const act = (l.getConfig() as { activation?: string }).activation;
  if (act === "relu") {
    // Binary conv -> ReLU -> BN feeding only binary layers (direct-binary res8): fold all three.
    const next0 = ctx.soleConsumer(l);
    const feedsBinary = (n: L) => (ctx.consumers.get(n.name) ?? []).every((c) => isBinary(c));
    if (isBinary(l) && next0 && isBn(next0) && feedsBinary(next0)) {
      ctx.done.add(next0.name);
      return { bn: bnParams(next0), relu: "relu", last: next0 };
    }
    return { bn: null, relu: "relu", last };
  }
  if (act && act !== "linear") throw new Error(`${l.name}: activation ${act} is not exported`);
  let next = ctx.soleConsumer(last);
  if (next && isBn(next)) {
    bn = bnParams(next);
    last = next;
    ctx.done.add(next.name);
    next = ctx.soleConsumer(last);
  }
  if (next && cls(next) === "ReLU") {
    const maxValue = (next.getConfig() as { maxValue?: number | null }).maxValue;
    last = next;
    ctx.done.add(next.name);
    return { bn, relu: maxValue ? { clip: maxValue } : "relu", last };
  }
  return { bn, relu: "none", last };
}

export function exportConvLike(ctx: ExportContext, l: L): void {
  const src = ctx.inputOf(l);
  const xIn0 = ctx.inputAct(l);
  const cl = readConvLike(l);
  const binary = isBinary(l);
  // A quantized layer fed int16 (the classifier after a binary net's pooling) sees its input on
  // its trained 8-bit grid in tfjs: requantize to that grid first.
  const xIn: Act =
    !binary && xIn0.dtype === DT_INT16 && !ctx.pendingAffine.has(src.name)
      ? ctx.onTrainedGrid(l, xIn0)
      : xIn0;
  const { bn, relu, last } = fuseGroup(ctx, l);
  const k = bn ? bn.k : new Array(cl.outC).fill(1);
  const b0 = bn ? bn.b0 : new Array(cl.outC).fill(0);
  // Folded float bias b' = b k + b0.
  let biasF = cl.bias.map((b, c) => b * k[c] + b0[c]);
  let w = cl.w;
  // A BN folded forward from before this dense.
  const pend = ctx.pendingAffine.get(src.name);
  if (pend && cl.kind === "dense") {
    const inN = cl.wShape[1];
    const C = pend.k.length;
    const add = new Array(cl.outC).fill(0);
    w = w.map((v, i) => v * pend.k[(i % inN) % C]);
    for (let o = 0; o < cl.outC; o++)
      for (let i = 0; i < inN; i++) add[o] += cl.w[o * inN + i] * pend.b0[i % C];
    biasF = biasF.map((b, o) => b + add[o] * k[o]);
  }
  // The input's known per-channel error leaves through the bias: W (x - off) = W x - W off
  // (dense only; a conv's padded taps would make it position-dependent).
  const off = ctx.offsets.get(xIn.index);
  if (off && cl.kind === "dense") {
    const inN = cl.wShape[1];
    const C = off.length;
    biasF = biasF.map((b, o) => {
      let s = 0;
      for (let i = 0; i < inN; i++) s += w[o * inN + i] * off[i % C];
      return b - s * k[o];
    });
  }
  if (binary) {
    exportBinaryLayer(ctx, { l, src, xIn, cl, w, k, biasF, relu, last, bn });
    return;
  }
  const step = pend ? null : kernelGrid(l, cl.w, cl.outC, cl.channelOf);
  let q: number[];
  let scales: number[];
  // A BN folded forward rescales input columns, which leaves the QAT grid: the folded weights
  // are re-quantized per channel at the layer's own width.
  const bits = isQuantLayer(l) && l.kernelQ ? l.kernelQ.bits : (ctx.opts.weightBits ?? 8);
  if (step) {
    // Keep the QAT integers; BN's gain goes into the per-channel scale (sign into the ints).
    q = w.map((v, i) => Math.sign(k[cl.channelOf(i)] || 1) * Math.round(v / step[cl.channelOf(i)]));
    scales = step.map((s, c) => s * Math.abs(k[c] || 0) || s);
  } else {
    const folded = w.map((v, i) => v * k[cl.channelOf(i)]);
    ({ q, scales } = quantizeWeightsPerChannel(folded, cl.outC, cl.kind === "dw", bits));
  }
  // An integer layer whose output reaches a binary layer's sign (the first conv of a binary
  // net) emits int16: on the int8 grid every value within half a step of 0 becomes +1.
  const outDtype = ctx.feedsBinary(last) ? DT_INT16 : DT_INT8;
  const p = ctx.outParams(last, outDtype);
  const bias = biasF.map((b, c) => Math.round(b / (xIn.scale * scales[c])));
  const rq = requantMultipliers(xIn.scale, scales, p.scale);
  const clamp = activationClamp(relu, p.scale, p.zeroPoint, outDtype);
  const spec = {
    outDtype,
    weights: q,
    wShape: cl.wShape,
    wBits: bits,
    wScales: scales,
    bias,
    ...rq,
    outScale: p.scale,
    outZp: p.zeroPoint,
    ...clamp,
  };
  let y: Act;
  if (cl.kind === "dense") y = ctx.g.dense(xIn, { ...spec, outN: cl.outC });
  else
    y = ctx.g.conv2d(
      xIn,
      {
        ...spec,
        strideH: cl.strides[0],
        strideW: cl.strides[1],
        padding: ctx.freqPadded.has(l.name) ? PAD_VALID_H_SAME_W : cl.padding,
      },
      cl.kind === "dw",
    );
  ctx.acts.set(last.name, y);
}
