/**
 * Reading trained tfjs layers into device terms: batch-norm affines, conv-like kernels in device
 * layout (OHWI, [kH,kW,C], [outN,inN]) with their bias and geometry, and a quantized kernel's
 * integer grid. No graph building here.
 */
import type * as tf from "@tensorflow/tfjs";
import { PAD_SAME, PAD_VALID } from "../../../shared/model-format/types";
import { QBatchNorm } from "../qbatchnorm";
import { isQuantLayer, type QuantLayerT } from "../qlayers";
import type { BatchNorm } from "../threshold-fold";

export type L = tf.layers.Layer;

/** The activation fused after a conv-like layer. */
export type Relu = "none" | "relu" | { clip: number };

export const cls = (l: L) => l.getClassName();
export const isBn = (l: L): boolean =>
  /^(BatchNormalization|EarshotQBatchNorm)$/.test(l.getClassName());
export const isBinary = (l: L): boolean => isQuantLayer(l) && l.kernelQ?.config.kind === "ste_sign";
/** Layers whose exported output keeps the dtype of their (wider) input. */
export const PASS_DTYPE =
  /^(Flatten|Dropout|Add|AveragePooling2D|MaxPooling2D|GlobalAveragePooling2D|GlobalMaxPooling2D|BatchNormalization|ReLU)$/;

/** A batch norm as a per-channel affine k x + b0, and its raw parameters. */
export interface BnParams {
  k: number[];
  b0: number[];
  raw: BatchNorm[];
}

export function bnParams(bn: L): BnParams {
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
export function kernelGrid(
  l: L,
  wq: number[],
  outC: number,
  channelOf: (i: number) => number,
): number[] | null {
  if (!isQuantLayer(l) || !l.kernelQ) return null;
  return l.kernelQ.integerGrid(wq, outC, channelOf);
}

export interface ConvLike {
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

export function readConvLike(l: L): ConvLike {
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
