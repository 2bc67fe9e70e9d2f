/**
 * Exporter: a trained tfjs model (float, QAT, sub-8-bit or binary) + calibration ranges ->
 * DeviceModel (shared/model-format), built through core-int's GraphBuilder.
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
 * - add, average/max pooling, global average pooling; flatten and dropout are free; the output
 *   logits go through the integer softmax.
 * Activation ranges: a quantized consumer's trained input range when it has one, else the
 * calibration range (min/max or percentile) of the tensor.
 */
import * as tf from "@tensorflow/tfjs";
import { planAxis } from "../../shared/kernels/padding";
import { dtypeRange, naturalBits, numel } from "../../shared/model-format/layout";
import {
  type DeviceModel,
  DT_INT8,
  DT_INT16,
  type KeyValue,
  OP_AVG_POOL2D,
  OP_MAX_POOL2D,
  PAD_SAME,
  PAD_VALID,
} from "../../shared/model-format/types";
import { CompressError } from "./errors";
import { type Act, GraphBuilder, type Requant } from "./graph-builder";
import { rangeOf } from "./ptq";
import { QBatchNorm } from "./qbatchnorm";
import { isQuantLayer, type QuantLayerT } from "./qlayers";
import {
  activationClamp,
  addMultipliers,
  asymmetricParams,
  decomposeMultiplier,
  quantizeWeightsPerChannel,
  requantMultipliers,
  softmaxLut,
} from "./quant-params";
import { type BatchNorm, foldBnSign } from "./threshold-fold";

export interface ExportOptions {
  labels: string[];
  modelId?: string;
  modelVersion?: number;
  frontEnd?: KeyValue[];
  threshold?: number;
  smoothingWindow?: number;
  meta?: KeyValue[];
  /** Weight bits for layers trained in float (PTQ); QAT layers keep their own. */
  weightBits?: number;
  /** Activation ranges by layer name (layer output), from `calibrate`. */
  ranges: Map<string, [number, number]>;
}

type L = tf.layers.Layer;

const isBn = (l: L): boolean => /^(BatchNormalization|EarshotQBatchNorm)$/.test(l.getClassName());
const isBinary = (l: L): boolean => isQuantLayer(l) && l.kernelQ?.config.kind === "ste_sign";
const cls = (l: L) => l.getClassName();
/** Layers whose exported output keeps the dtype of their (wider) input. */
const PASS_DTYPE =
  /^(Flatten|Dropout|Add|AveragePooling2D|MaxPooling2D|GlobalAveragePooling2D|BatchNormalization|ReLU)$/;
const CONVLIKE =
  /^(Conv2D|DepthwiseConv2D|Dense|EarshotQConv2D|EarshotQDepthwiseConv2D|EarshotQDense)$/;

/** Per-layer output ranges over a calibration batch: min/max, or the p / 100-p percentiles. */
export function calibrate(
  model: tf.LayersModel,
  features: tf.Tensor,
  percentile?: number,
): Map<string, [number, number]> {
  const layers = model.layers.filter((l) => l.getClassName() !== "InputLayer");
  const probe = tf.model({
    inputs: model.inputs,
    outputs: layers.map((l) => l.output as tf.SymbolicTensor),
  });
  const ranges = new Map<string, [number, number]>();
  const outs = [...(probe.predict(features) as tf.Tensor[]), features];
  layers.push(model.layers.find((l) => l.getClassName() === "InputLayer") as tf.layers.Layer);
  layers.forEach((l, i) => {
    ranges.set(l.name, rangeOf(outs[i].dataSync(), percentile));
  });
  tf.dispose(outs.slice(0, -1));
  return ranges;
}

interface BnParams {
  k: number[];
  b0: number[];
  raw: BatchNorm[];
}

function bnParams(bn: L): BnParams {
  const cfg = bn.getConfig() as { epsilon: number; center?: boolean; scale?: boolean };
  let w = bn.getWeights().map((t) => Array.from(t.dataSync()));
  if (bn instanceof QBatchNorm) {
    // Seed 002 stage 2: fold the quantized parameters the layer computed with.
    const p = bn.quantizedParams(bn.movingMean.read(), bn.movingVariance.read());
    w = [p.gamma, p.beta, p.mean, p.variance].map((t) => Array.from(t.dataSync()));
  }
  // Weight order in tfjs: [gamma?, beta?, movingMean, movingVariance].
  let i = 0;
  const gamma = cfg.scale !== false ? w[i++] : null;
  const beta = cfg.center !== false ? w[i++] : null;
  const mean = w[i++];
  const variance = w[i++];
  const n = mean.length;
  const raw: BatchNorm[] = [];
  const k: number[] = [];
  const b0: number[] = [];
  for (let c = 0; c < n; c++) {
    const g = gamma ? gamma[c] : 1;
    const b = beta ? beta[c] : 0;
    raw.push({ gamma: g, beta: b, mean: mean[c], variance: variance[c], eps: cfg.epsilon });
    k.push(g / Math.sqrt(variance[c] + cfg.epsilon));
    b0.push(b - (mean[c] * g) / Math.sqrt(variance[c] + cfg.epsilon));
  }
  return { k, b0, raw };
}

/** Grid step of a quantized kernel's values per output channel (null: float layer). */
function gridStep(
  l: L,
  wq: number[],
  outC: number,
  channelOf: (i: number) => number,
): number[] | null {
  if (!isQuantLayer(l) || !l.kernelQ) return null;
  const c = l.kernelQ.config;
  if (c.kind === "tanh") return new Array(outC).fill(1 / (2 ** (c.bits - 1) - 1));
  if (c.kind === "weight") {
    const m = new Array<number>(outC).fill(0);
    wq.forEach((v, i) => {
      m[channelOf(i)] = Math.max(m[channelOf(i)], Math.abs(v));
    });
    return m.map((v) => (v > 0 ? v / (2 ** (c.bits - 1) - 1) : 1));
  }
  return null;
}

interface ConvLike {
  kind: "conv" | "dw" | "dense";
  /** Kernel in device layout: OHWI, [kH,kW,C], or [outN,inN]. */
  w: number[];
  wShape: number[];
  outC: number;
  bias: number[];
  strides: [number, number];
  padding: number;
  channelOf: (i: number) => number;
}

function readConvLike(l: L): ConvLike {
  const c = l.getConfig() as Record<string, unknown>;
  const kernel = isQuantLayer(l) ? (l as QuantLayerT).quantizedKernel() : l.getWeights()[0];
  const ks = kernel.shape;
  const name = cls(l);
  const useBias = c.useBias !== false;
  const biasT = useBias
    ? isQuantLayer(l)
      ? (l as QuantLayerT).effectiveBias()
      : l.getWeights()[1]
    : null;
  const strides = (Array.isArray(c.strides) ? c.strides : [c.strides ?? 1, c.strides ?? 1]) as [
    number,
    number,
  ];
  const padding = c.padding === "same" ? PAD_SAME : PAD_VALID;
  let w: number[];
  let wShape: number[];
  let kind: ConvLike["kind"];
  const kv = kernel.dataSync();
  if (/Dense/.test(name)) {
    const [inN, outN] = ks;
    kind = "dense";
    wShape = [outN, inN];
    w = new Array(inN * outN);
    for (let i = 0; i < inN; i++) for (let o = 0; o < outN; o++) w[o * inN + i] = kv[i * outN + o];
  } else if (/Depthwise/.test(name)) {
    const [kh, kw, ch, mult] = ks;
    if (mult !== 1) throw new Error(`${l.name}: depth multiplier ${mult} is not exported (only 1)`);
    kind = "dw";
    wShape = [kh, kw, ch];
    w = Array.from(kv);
  } else {
    const [kh, kw, inC, outC] = ks;
    kind = "conv";
    wShape = [outC, kh, kw, inC];
    w = new Array(kv.length);
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let i = 0; i < inC; i++)
          for (let o = 0; o < outC; o++)
            w[((o * kh + y) * kw + x) * inC + i] = kv[((y * kw + x) * inC + i) * outC + o];
  }
  if (isQuantLayer(l)) kernel.dispose();
  const outC = kind === "dw" ? wShape[2] : wShape[0];
  const per = w.length / outC;
  const channelOf = kind === "dw" ? (i: number) => i % outC : (i: number) => Math.floor(i / per);
  const bias = biasT ? Array.from(biasT.dataSync()) : new Array(outC).fill(0);
  return { kind, w, wShape, outC, bias, strides: [strides[0], strides[1]], padding, channelOf };
}

export class Exporter {
  private readonly g = new GraphBuilder();
  private readonly acts = new Map<string, Act>();
  private readonly consumers = new Map<string, L[]>();
  private readonly done = new Set<string>();
  /** BN folded forward into the next dense: name of the BN layer -> affine. */
  private readonly pendingAffine = new Map<string, BnParams>();
  /** Binary producers whose BN+sign were folded: the fused group's last layer name -> bits act. */
  private readonly bitActs = new Map<string, Act>();
  /**
   * Known per-channel error of an integer activation (by tensor index), in real units:
   * exported - tfjs. A binary layer's integer output carries its folded bias rounded to whole
   * ±1-dot units (the kernel adds the bias to the popcount dot); adds and pools pass it on, and
   * its consumers take it back out exactly (binarize thresholds, BN and dense biases).
   */
  private readonly offsets = new Map<number, number[]>();

  constructor(
    private readonly model: tf.LayersModel,
    private readonly opts: ExportOptions,
  ) {
    for (const l of model.layers) {
      for (const node of l.inboundNodes)
        for (const src of node.inboundLayers) {
          const list = this.consumers.get(src.name) ?? [];
          list.push(l);
          this.consumers.set(src.name, list);
        }
    }
  }

  private soleConsumer(l: L): L | null {
    const c = this.consumers.get(l.name) ?? [];
    return c.length === 1 ? c[0] : null;
  }

  /** Whether l's output reaches a binary layer through layers that keep its dtype. */
  private feedsBinary(l: L): boolean {
    return (this.consumers.get(l.name) ?? []).some(
      (c) => isBinary(c) || (PASS_DTYPE.test(cls(c)) && this.feedsBinary(c)),
    );
  }

  private inputOf(l: L): L {
    return l.inboundNodes[0].inboundLayers[0] as L;
  }

  /** Range of a layer's output: a quantized consumer's trained input range, else calibration. */
  private range(l: L): [number, number] {
    for (const c of this.consumers.get(l.name) ?? []) {
      if (isQuantLayer(c) && c.inputMin && c.inputMax) {
        const lo = c.inputMin.read().dataSync()[0];
        const hi = c.inputMax.read().dataSync()[0];
        if (hi > lo) return [lo, hi];
      }
    }
    const r = this.opts.ranges.get(l.name);
    if (!r) throw new Error(`no calibration range for layer ${l.name}`);
    return r;
  }

  private outParams(l: L, dtype = DT_INT8): { scale: number; zeroPoint: number } {
    const [lo, hi] = this.range(l);
    const [qmin, qmax] = dtypeRange(dtype);
    return asymmetricParams(lo, hi, qmin, qmax);
  }

  run(): DeviceModel {
    for (const l of this.model.layers) {
      if (this.done.has(l.name)) continue;
      this.layer(l);
    }
    const outLayer = this.model.outputs[0].sourceLayer as L;
    const logits = this.acts.get(outLayer.name);
    if (!logits) throw new Error(`output ${outLayer.name} was not exported`);
    const out = this.g.softmax(logits, softmaxLut(logits.scale));
    return this.g.build(
      {
        modelId: this.opts.modelId ?? this.model.name,
        modelVersion: this.opts.modelVersion ?? 1,
        labels: this.opts.labels,
        frontEnd: this.opts.frontEnd,
        threshold: this.opts.threshold,
        smoothingWindow: this.opts.smoothingWindow,
        meta: this.opts.meta,
      },
      out,
    );
  }

  /**
   * After run(): the activation tensor each exported layer's output became, with its known
   * per-channel error (exported - tfjs, real units; null when none). Layers fused into another
   * op map to that op's output; a BN folded forward into a dense is left out. For diagnostics
   * and tests.
   */
  activationMap(): { layer: string; tensor: number; offset: number[] | null }[] {
    // A BN folded forward into the next dense has no tensor of its own.
    const own = [...this.acts].filter(([layer]) => !this.pendingAffine.has(layer));
    return own.map(([layer, a]) => ({
      layer,
      tensor: a.index,
      offset: this.offsets.get(a.index) ?? null,
    }));
  }

  private layer(l: L): void {
    const name = cls(l);
    this.done.add(l.name);
    if (name === "InputLayer") {
      const shape = (l.batchInputShape as number[]).slice(1);
      const x = this.g.input(shape);
      const p = this.outParams(l);
      this.acts.set(l.name, this.g.quantize(x, p.scale, p.zeroPoint));
      return;
    }
    const src = this.inputOf(l);
    const x = this.acts.get(src.name) as Act;
    if (name === "Flatten" || name === "Dropout") {
      this.acts.set(l.name, x);
      if (this.pendingAffine.has(src.name))
        this.pendingAffine.set(l.name, this.pendingAffine.get(src.name) as BnParams);
      return;
    }
    if (CONVLIKE.test(name)) {
      this.convLike(l, x);
      return;
    }
    if (isBn(l)) {
      this.standaloneBn(l, x);
      return;
    }
    if (name === "Add") {
      let [a, b] = l.inboundNodes[0].inboundLayers.map((s) => this.acts.get(s.name) as Act);
      // The output takes the wider input's dtype (int16 inside binary nets); put it first.
      if (b.dtype === DT_INT16 && a.dtype !== DT_INT16) [a, b] = [b, a];
      const wide = a.dtype === DT_INT16;
      const p = this.outParams(l, a.dtype);
      const [lo, hi] = dtypeRange(a.dtype);
      const mults = addMultipliers(a.scale, b.scale, p.scale, wide ? 12 : 20);
      const y = this.g.add(a, b, mults, p.scale, p.zeroPoint, lo, hi);
      const oa = this.offsets.get(a.index);
      const ob = this.offsets.get(b.index);
      if (oa || ob) {
        const C = a.shape[a.shape.length - 1];
        this.offsets.set(
          y.index,
          Array.from({ length: C }, (_, c) => (oa?.[c] ?? 0) + (ob?.[c] ?? 0)),
        );
      }
      this.acts.set(l.name, y);
      return;
    }
    if (name === "AveragePooling2D" || name === "MaxPooling2D") {
      const c = l.getConfig() as {
        poolSize: [number, number];
        strides: [number, number];
        padding: string;
      };
      const y = this.pool(
        x,
        name === "MaxPooling2D",
        c.poolSize,
        c.strides,
        c.padding === "same" ? PAD_SAME : PAD_VALID,
      );
      this.passOffsets(x, y);
      this.acts.set(l.name, y);
      return;
    }
    if (name === "GlobalAveragePooling2D") {
      const [lo, hi] = dtypeRange(x.dtype);
      const y = this.g.globalAvgPool(x, lo, hi);
      this.passOffsets(x, y);
      this.acts.set(l.name, y);
      return;
    }
    throw new CompressError(`cannot export layer ${l.name} (${name}) here: no device op for it`);
  }

  /**
   * x requantized to int8 on quantized layer l's trained input range (as its input quantizer
   * rounds it in tfjs), its known error removed on the way; x itself when l has no range.
   */
  private onTrainedGrid(l: L, x: Act): Act {
    if (!isQuantLayer(l) || !l.inputMin || !l.inputMax) return x;
    const lo = l.inputMin.read().dataSync()[0];
    const hi = l.inputMax.read().dataSync()[0];
    if (!(hi > lo)) return x;
    const p = asymmetricParams(lo, hi, -128, 127);
    const C = x.shape[x.shape.length - 1];
    const off = this.offsets.get(x.index) ?? new Array<number>(C).fill(0);
    const spec = (scales: number[]) => ({
      bias: off.map((o, c) => Math.round(-o / (x.scale * scales[c]))),
      ...requantMultipliers(x.scale, scales, p.scale),
      outScale: p.scale,
      outZp: p.zeroPoint,
      ...activationClamp("none", p.scale, p.zeroPoint),
    });
    if (x.shape.length === 3) {
      // Identity as a 1x1 depthwise conv.
      const { q, scales } = quantizeWeightsPerChannel(new Array(C).fill(1), C, true, 8);
      return this.g.conv2d(
        x,
        { weights: q, wShape: [1, 1, C], wScales: scales, ...spec(scales) },
        true,
      );
    }
    // A vector (after global pooling): identity as a dense layer with a diagonal of 127.
    const eye = Array.from({ length: C * C }, (_, i) => (i % (C + 1) === 0 ? 1 : 0));
    const { q, scales } = quantizeWeightsPerChannel(eye, C, false, 8);
    return this.g.dense(x, { weights: q, outN: C, wScales: scales, ...spec(scales) });
  }

  /** Pooling keeps a per-channel constant error per channel (max and mean alike). */
  private passOffsets(x: Act, y: Act): void {
    const o = this.offsets.get(x.index);
    if (o) this.offsets.set(y.index, o);
  }

  /** Rectangular pooling (GraphBuilder.pool is square): same tensor/op layout. */
  private pool(x: Act, max: boolean, k: [number, number], s: [number, number], pad: number): Act {
    const oh = planAxis(x.shape[0], k[0], s[0], pad).out;
    const ow = planAxis(x.shape[1], k[1], s[1], pad).out;
    const shape = [oh, ow, x.shape[2]];
    this.g.tensors.push({
      name: `${max ? "maxpool" : "avgpool"}${this.g.ops.length}`,
      dtype: x.dtype,
      bits: naturalBits(x.dtype),
      shape,
      data: null,
      scales: [x.scale],
      zeroPoint: x.zeroPoint,
    });
    const index = this.g.tensors.length - 1;
    this.g.ops.push({
      code: max ? OP_MAX_POOL2D : OP_AVG_POOL2D,
      inputs: [x.index],
      outputs: [index],
      attrs: [k[0], k[1], s[0], s[1], pad, ...dtypeRange(x.dtype)],
    });
    return { index, shape, dtype: x.dtype, scale: x.scale, zeroPoint: x.zeroPoint };
  }

  private standaloneBn(l: L, x: Act): void {
    const bn = bnParams(l);
    const next = this.soleConsumer(l);
    const after =
      next && (cls(next) === "Flatten" || cls(next) === "Dropout") ? this.soleConsumer(next) : next;
    if (after && /Dense/.test(cls(after)) && !isBinary(after)) {
      // Exact: dense(k x + b0) = (W diag k) x + (W b0 + b); the input tensor stays x.
      this.acts.set(l.name, x);
      this.pendingAffine.set(l.name, bn);
      return;
    }
    // A per-channel affine = 1x1 depthwise conv.
    const C = x.shape[x.shape.length - 1];
    const { q, scales } = quantizeWeightsPerChannel(bn.k, C, true, 8);
    const outDtype = x.dtype === DT_INT16 ? DT_INT16 : DT_INT8;
    const p = this.outParams(l, outDtype);
    // k (x - off) + b0: the input's known error leaves through the bias.
    const off = this.offsets.get(x.index) ?? new Array<number>(C).fill(0);
    const bias = bn.b0.map((b, c) => Math.round((b - bn.k[c] * off[c]) / (x.scale * scales[c])));
    const rq = requantMultipliers(x.scale, scales, p.scale);
    const clamp = activationClamp("none", p.scale, p.zeroPoint, outDtype);
    const shape3 = x.shape.length === 3 ? x : { ...x, shape: [1, 1, C] };
    this.acts.set(
      l.name,
      this.g.conv2d(
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

  /** The fused group after a conv-like layer: [BN] then [ReLU], or the conv's own ReLU. */
  private fuseGroup(l: L): {
    bn: BnParams | null;
    relu: "none" | "relu" | { clip: number };
    last: L;
  } {
    let last = l;
    let bn: BnParams | null = null;
    const act = (l.getConfig() as { activation?: string }).activation;
    if (act === "relu") {
      // Binary conv -> ReLU -> BN feeding only binary layers (direct-binary res8): fold all three.
      const next0 = this.soleConsumer(l);
      const feedsBinary = (n: L) => (this.consumers.get(n.name) ?? []).every((c) => isBinary(c));
      if (isBinary(l) && next0 && isBn(next0) && feedsBinary(next0)) {
        this.done.add(next0.name);
        return { bn: bnParams(next0), relu: "relu", last: next0 };
      }
      return { bn: null, relu: "relu", last };
    }
    if (act && act !== "linear") throw new Error(`${l.name}: activation ${act} is not exported`);
    let next = this.soleConsumer(last);
    if (next && isBn(next)) {
      bn = bnParams(next);
      last = next;
      this.done.add(next.name);
      next = this.soleConsumer(last);
    }
    if (next && cls(next) === "ReLU") {
      const maxValue = (next.getConfig() as { maxValue?: number | null }).maxValue;
      last = next;
      this.done.add(next.name);
      return { bn, relu: maxValue ? { clip: maxValue } : "relu", last };
    }
    return { bn, relu: "none", last };
  }

  private convLike(l: L, xIn0: Act): void {
    const src = this.inputOf(l);
    const cl = readConvLike(l);
    const binary = isBinary(l);
    // A quantized layer fed int16 (the classifier after a binary net's pooling) sees its input on
    // its trained 8-bit grid in tfjs: requantize to that grid first.
    const xIn =
      !binary && xIn0.dtype === DT_INT16 && !this.pendingAffine.has(src.name)
        ? this.onTrainedGrid(l, xIn0)
        : xIn0;
    const { bn, relu, last } = this.fuseGroup(l);
    const k = bn ? bn.k : new Array(cl.outC).fill(1);
    const b0 = bn ? bn.b0 : new Array(cl.outC).fill(0);
    // Folded float bias b' = b k + b0.
    let biasF = cl.bias.map((b, c) => b * k[c] + b0[c]);
    let w = cl.w;
    // A BN folded forward from before this dense.
    const pend = this.pendingAffine.get(src.name);
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
    const off = this.offsets.get(xIn.index);
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
      this.binaryLayer(l, src, xIn, cl, w, k, biasF, relu, last, bn);
      return;
    }
    const step = pend ? null : gridStep(l, cl.w, cl.outC, cl.channelOf);
    let q: number[];
    let scales: number[];
    // A BN folded forward rescales input columns, which leaves the QAT grid: the folded weights
    // are re-quantized per channel at the layer's own width.
    const bits = isQuantLayer(l) && l.kernelQ ? l.kernelQ.bits : (this.opts.weightBits ?? 8);
    if (step) {
      // Keep the QAT integers; BN's gain goes into the per-channel scale (sign into the ints).
      q = w.map(
        (v, i) => Math.sign(k[cl.channelOf(i)] || 1) * Math.round(v / step[cl.channelOf(i)]),
      );
      scales = step.map((s, c) => s * Math.abs(k[c] || 0) || s);
    } else {
      const folded = w.map((v, i) => v * k[cl.channelOf(i)]);
      ({ q, scales } = quantizeWeightsPerChannel(folded, cl.outC, cl.kind === "dw", bits));
    }
    // An integer layer whose output reaches a binary layer's sign (the first conv of a binary
    // net) emits int16: on the int8 grid every value within half a step of 0 becomes +1.
    const outDtype = this.feedsBinary(last) ? DT_INT16 : DT_INT8;
    const p = this.outParams(last, outDtype);
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
    if (cl.kind === "dense") y = this.g.dense(xIn, { ...spec, outN: cl.outC });
    else
      y = this.g.conv2d(
        xIn,
        { ...spec, strideH: cl.strides[0], strideW: cl.strides[1], padding: cl.padding },
        cl.kind === "dw",
      );
    this.acts.set(last.name, y);
  }

  /**
   * Binary layer: the input bits come from a folded producer (BCONV2D thresholds) or from
   * binarizing an integer tensor at its zero point.
   */
  private binaryLayer(
    l: L,
    src: L,
    xIn: Act,
    cl: ConvLike,
    w: number[],
    k: number[],
    biasF: number[],
    relu: "none" | "relu" | { clip: number },
    last: L,
    bn: BnParams | null,
  ): void {
    if (cl.kind === "dw") throw new Error(`${l.name}: binary depthwise conv is not exported`);
    const bitsIn = this.bitActs.get(src.name) ?? this.binarizeAt(xIn);
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
    const consumers = this.consumers.get(last.name) ?? [];
    const cb = cl.bias;
    const canFold =
      cl.kind === "conv" &&
      consumers.length > 0 &&
      consumers.every((c) => isBinary(c) && cls(c) !== "EarshotQDepthwiseConv2D") &&
      (relu === "none" || cb.every((b) => b === 0));
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
      const y = this.g.binaryConv2d(
        bitsIn,
        signs,
        cl.wShape,
        { thr, dir },
        cl.strides[0],
        cl.strides[1],
        cl.padding,
      );
      this.bitActs.set(last.name, y);
      this.acts.set(last.name, y);
      return;
    }
    // Integer output: real_c = k_c mag_c (dot + bias_c), bias_c = b'_c / (k_c mag_c).
    // Integer tensors between binary layers are int16: they are sums of popcounts and
    // residuals whose sign decides the next layer's bits, so int8 resolution flips too many.
    const outDtype = DT_INT16;
    const p = this.outParams(last, outDtype);
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
        ? this.g.binaryDense(bitsIn, signs, cl.outC, { requant })
        : this.g.binaryConv2d(
            bitsIn,
            signs,
            cl.wShape,
            { requant },
            cl.strides[0],
            cl.strides[1],
            cl.padding,
          );
    // After a ReLU the error is no longer a constant per channel.
    if (relu === "none") this.offsets.set(y.index, off);
    this.acts.set(last.name, y);
  }

  /** sign(real) as bits: q >= zp, or with a known error off_c, q >= zp + off_c / scale. */
  private binarizeAt(x: Act): Act {
    const C = x.shape[x.shape.length - 1];
    const off = this.offsets.get(x.index);
    const thr = Array.from({ length: C }, (_, c) =>
      off ? x.zeroPoint + Math.ceil(off[c] / x.scale) : x.zeroPoint,
    );
    return this.g.binarize(x, thr, new Array(C).fill(1));
  }
}

/** Exports a model to a DeviceModel (see module comment). */
export function exportModel(model: tf.LayersModel, opts: ExportOptions): DeviceModel {
  const m = new Exporter(model, opts).run();
  if (numel(m.tensors[m.input].shape) === 0) throw new Error("empty input");
  return m;
}
