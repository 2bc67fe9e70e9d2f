/**
 * What the layer handlers share while one model exports: the graph being built, each exported
 * layer's activation, the consumer graph, BN affines waiting to fold into the next dense, bit
 * activations of folded binary producers, and the known per-channel error of integer tensors.
 */
import type * as tf from "@tensorflow/tfjs";
import { dtypeRange } from "../../../shared/model-format/layout";
import { DT_INT8, type KeyValue } from "../../../shared/model-format/types";
import { type Act, GraphBuilder } from "../graph-builder";
import { isQuantLayer } from "../qlayers";
import {
  activationClamp,
  asymmetricParams,
  quantizeWeightsPerChannel,
  requantMultipliers,
} from "../quant-params";
import { type BnParams, cls, isBinary, type L, PASS_DTYPE } from "./layers";

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

export class ExportContext {
  readonly g = new GraphBuilder();
  /** Each exported layer's output activation, by layer name. */
  readonly acts = new Map<string, Act>();
  readonly consumers = new Map<string, L[]>();
  /** Layers already exported (alone or fused into another's op). */
  readonly done = new Set<string>();
  /** BN folded forward into the next dense: name of the BN layer -> affine. */
  readonly pendingAffine = new Map<string, BnParams>();
  /** Binary producers whose BN+sign were folded: the fused group's last layer name -> bits act. */
  readonly bitActs = new Map<string, Act>();
  /**
   * Known per-channel error of an integer activation (by tensor index), in real units:
   * exported - tfjs. A binary layer's integer output carries its folded bias rounded to whole
   * ±1-dot units (the kernel adds the bias to the popcount dot); adds and pools pass it on, and
   * its consumers take it back out exactly (binarize thresholds, BN and dense biases).
   */
  readonly offsets = new Map<number, number[]>();
  /**
   * Convs whose input a ZeroPadding2D padded along frequency only, as SAME would: they export
   * with padding 2 (VALID along time, SAME along frequency); the padded tensor is never made.
   */
  readonly freqPadded = new Set<string>();

  constructor(
    readonly model: tf.LayersModel,
    readonly opts: ExportOptions,
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

  soleConsumer(l: L): L | null {
    const c = this.consumers.get(l.name) ?? [];
    return c.length === 1 ? c[0] : null;
  }

  /** Whether l's output reaches a binary layer through layers that keep its dtype. */
  feedsBinary(l: L): boolean {
    return (this.consumers.get(l.name) ?? []).some(
      (c) => isBinary(c) || (PASS_DTYPE.test(cls(c)) && this.feedsBinary(c)),
    );
  }

  inputOf(l: L): L {
    return l.inboundNodes[0].inboundLayers[0] as L;
  }

  /** The exported activation of l's (first) input. */
  inputAct(l: L): Act {
    return this.acts.get(this.inputOf(l).name) as Act;
  }

  /** Range of a layer's output: a quantized consumer's trained input range, else calibration. */
  range(l: L): [number, number] {
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

  outParams(l: L, dtype = DT_INT8): { scale: number; zeroPoint: number } {
    const [lo, hi] = this.range(l);
    const [qmin, qmax] = dtypeRange(dtype);
    return asymmetricParams(lo, hi, qmin, qmax);
  }

  /** Pooling keeps a per-channel constant error per channel (max and mean alike). */
  passOffsets(x: Act, y: Act): void {
    const o = this.offsets.get(x.index);
    if (o) this.offsets.set(y.index, o);
  }

  /**
   * x requantized to int8 on quantized layer l's trained input range (as its input quantizer
   * rounds it in tfjs), its known error removed on the way; x itself when l has no range.
   */
  onTrainedGrid(l: L, x: Act): Act {
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

  /** sign(real) as bits: q >= zp, or with a known error off_c, q >= zp + off_c / scale. */
  binarizeAt(x: Act): Act {
    const C = x.shape[x.shape.length - 1];
    const off = this.offsets.get(x.index);
    const thr = Array.from({ length: C }, (_, c) =>
      off ? x.zeroPoint + Math.ceil(off[c] / x.scale) : x.zeroPoint,
    );
    return this.g.binarize(x, thr, new Array(C).fill(1));
  }
}
