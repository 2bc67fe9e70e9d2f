/**
 * Binary layers (ste_sign weights and inputs). The input bits come from a folded producer or
 * from binarizing an integer tensor at its zero point. When every consumer is itself binary and
 * only [ReLU] BN follows, BN + sign fold into integer popcount thresholds (threshold-fold.ts)
 * and the layer emits bits (BCONV2D); otherwise it emits int16 with its BN folded into a signed
 * multiplier (BCONV2D_INT / BDENSE_INT), whose bias is whole ±1-dot units: a known per-channel
 * error that adds and pools carry and that consumers take back out.
 */
import { DT_INT16 } from "../../../shared/model-format/types";
import type { Act, Requant } from "../graph-builder";
import type { QuantLayerT } from "../qlayers";
import { activationClamp, decomposeMultiplier } from "../quant-params";
import { type BatchNorm, foldBnSign } from "../threshold-fold";
import type { ExportContext } from "./context";
import { type BnParams, type ConvLike, cls, isBinary, type L, type Relu } from "./layers";

/** A binary conv-like layer with its fused group, as conv.ts prepared it. */
export interface BinaryLayerParts {
  l: L;
  src: L;
  xIn: Act;
  cl: ConvLike;
  /** Kernel (device layout), with any BN folded forward applied. */
  w: number[];
  /** The fused BN's per-channel gain (1s without one) and the folded float bias. */
  k: number[];
  biasF: number[];
  relu: Relu;
  last: L;
  bn: BnParams | null;
}

export function exportBinaryLayer(ctx: ExportContext, b: BinaryLayerParts): void {
  const { l, src, xIn, cl, w, k, biasF, relu, last, bn } = b;
  if (cl.kind === "dw") throw new Error(`${l.name}: binary depthwise conv is not exported`);
  const bitsIn = ctx.bitActs.get(src.name) ?? ctx.binarizeAt(xIn);
  const signs = w.map((v) => (v >= 0 ? 1 : -1));
  // Per-channel weight magnitude (XNOR scaling) if the quantizer had one: |w| mean of the channel.
  const scaled =
    (l as QuantLayerT).kernelQ?.config.kind === "ste_sign" &&
    ((l as QuantLayerT).kernelQ?.config as { scaled?: boolean }).scaled;
  const mag = new Array(cl.outC).fill(0);
  if (scaled) {
    w.forEach((v, i) => {
      mag[cl.channelOf(i)] += Math.abs(v);
    });
    for (let c = 0; c < cl.outC; c++) mag[c] /= w.length / cl.outC;
  } else mag.fill(1);
  const consumers = ctx.consumers.get(last.name) ?? [];
  const cb = cl.bias;
  const canFold =
    cl.kind === "conv" &&
    consumers.length > 0 &&
    consumers.every((c) => isBinary(c) && cls(c) !== "EarshotQDepthwiseConv2D") &&
    (relu === "none" || cb.every((v) => v === 0));
  if (canFold) {
    // Output bit = sign(BN(relu(mag * dot + b))): monotone in dot, so a threshold on dot.
    const thr: number[] = [];
    const dir: number[] = [];
    for (let c = 0; c < cl.outC; c++) {
      const raw: BatchNorm = bn
        ? { ...bn.raw[c] }
        : { gamma: 1, beta: 0, mean: 0, variance: 1, eps: 0 };
      // Absorb the layer's own bias and magnitude into the BN: BN(m dot + b) = BN'(dot).
      raw.mean = (raw.mean - cb[c]) / mag[c];
      raw.variance = raw.variance / (mag[c] * mag[c]);
      raw.eps = raw.eps / (mag[c] * mag[c]);
      const f = foldBnSign(raw);
      if (relu === "none") {
        thr.push(f.thr);
        dir.push(f.dir);
        continue;
      }
      // relu(m dot) = m relu(dot) (b = 0 here): the BN decision on max(dot, 0).
      const at0 = f.dir > 0 ? 0 >= f.thr : 0 <= f.thr;
      if (f.dir > 0) {
        thr.push(f.thr > 0 ? f.thr : -2147483647);
        dir.push(1);
      } else {
        thr.push(f.thr >= 0 ? f.thr : at0 ? -2147483647 : 2147483647);
        dir.push(f.thr >= 0 ? -1 : 1);
      }
    }
    const y = ctx.g.binaryConv2d(
      bitsIn,
      signs,
      cl.wShape,
      { thr, dir },
      cl.strides[0],
      cl.strides[1],
      cl.padding,
    );
    ctx.bitActs.set(last.name, y);
    ctx.acts.set(last.name, y);
    return;
  }
  // Integer output: real_c = k_c mag_c (dot + bias_c), bias_c = b'_c / (k_c mag_c).
  // Integer tensors between binary layers are int16: they are sums of popcounts and
  // residuals whose sign decides the next layer's bits, so int8 resolution flips too many.
  const outDtype = DT_INT16;
  const p = ctx.outParams(last, outDtype);
  const mult: number[] = [];
  const shift: number[] = [];
  const bias: number[] = [];
  const off: number[] = [];
  for (let c = 0; c < cl.outC; c++) {
    const gain = k[c] * mag[c] || 1e-12;
    const m = decomposeMultiplier(gain / p.scale);
    mult.push(m.mult);
    shift.push(m.shift);
    bias.push(Math.round(biasF[c] / gain));
    // The bias is rounded to whole dot units: the output is off by gain * (rounding).
    off.push(gain * bias[c] - biasF[c]);
  }
  const clamp = activationClamp(relu, p.scale, p.zeroPoint, outDtype);
  const requant: Requant = {
    bias,
    mult,
    shift,
    outScale: p.scale,
    outZp: p.zeroPoint,
    outDtype,
    ...clamp,
  };
  const y =
    cl.kind === "dense"
      ? ctx.g.binaryDense(bitsIn, signs, cl.outC, { requant })
      : ctx.g.binaryConv2d(
          bitsIn,
          signs,
          cl.wShape,
          { requant },
          cl.strides[0],
          cl.strides[1],
          cl.padding,
        );
  // After a ReLU the error is no longer a constant per channel.
  if (relu === "none") ctx.offsets.set(y.index, off);
  ctx.acts.set(last.name, y);
}
