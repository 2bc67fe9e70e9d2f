/**
 * TFLite int8 model -> earshot DeviceModel. Each TFLite op maps onto one earshot op (RESHAPE
 * becomes a view: earshot tensors are flat, so it only renames a shape). The float graph input
 * of an earshot model is quantized with the TFLite input tensor's scale and zero point, so
 * features given as real values (q - zp) * scale reproduce TFLite's int8 input exactly.
 *
 * Requantization: TFLite's real multipliers (inScale * wScale[c] / outScale) are decomposed the
 * way TFLite does (31-bit mantissa, round to nearest). With rounding "tflm" (the default) each
 * conv / dense computes its int32 accumulators (identity rescale) and a `tflm_requantize` op
 * applies TFLite Micro's two roundings (SaturatingRoundingDoublingHighMul, RoundingDivideByPOT):
 * bit-exact with TFLM. With "earshot" the multipliers go straight into the layer (one op fewer
 * per layer), rounded once, half up: an output can differ by one unit at ties. ADD always uses
 * earshot's single rounding; the SOFTMAX output is earshot's Q15 probabilities (same order as
 * TFLite's int8 probabilities) rather than TFLite's int8 values.
 */

import { frontEndToKeyValues } from "../../../device/runtime/frontend-config-write";
import { TFLM_MICRO_SPEECH } from "../../../shared/features/tflm-micro/presets";
import type { DeviceModel, KeyValue } from "../../../shared/model-format/types";
import { DT_INT8, DT_INT32, PAD_SAME, PAD_VALID } from "../../../shared/model-format/types";
import { SHIFT_MAX, SHIFT_MIN } from "../../../shared/quant/rescale";
import { type Act, GraphBuilder, type Requant } from "../../compress/graph-builder";
import { activationClamp, addMultipliers, softmaxLut } from "../../compress/quant-params";
import { TfliteError } from "./errors";
import type { Table } from "./flatbuffer";
import {
  OP,
  type TfliteModel,
  type TfliteOperator,
  type TfliteTensor,
  TT_INT8,
  TT_INT32,
  tensorTypeName,
} from "./schema";

export interface ImportOptions {
  modelId?: string;
  labels?: string[];
  /** Extra numeric metadata for the header. */
  meta?: { key: string; value: number }[];
  /**
   * The front end recorded in the header (what `earshot device run` computes): "tflm-micro"
   * (TFLM's micro_speech front end, kind 2), "none", or "auto" (the default): tflm-micro when
   * the input is [frames, 40] (or [frames, 40, 1]), its 40 channels, else none.
   */
  frontEnd?: "tflm-micro" | "none" | "auto";
  /** "tflm" (default): TFLite Micro's requantization, bit-exact; "earshot": fused, rounded once. */
  rounding?: "tflm" | "earshot";
}

/** The identity rescale (acc * 2^30 / 2^30): a layer's int32 accumulators as its output. */
const IDENTITY = { mult: 1073741824, shift: 30 };

const SUPPORTED = new Set<number>(Object.values(OP));

/** Fused activation (ActivationFunctionType) -> earshot clamp. */
function fusedClamp(act: number, scale: number, zp: number, where: string) {
  if (act === 0) return activationClamp("none", scale, zp);
  if (act === 1) return activationClamp("relu", scale, zp);
  if (act === 3) return activationClamp("relu6", scale, zp);
  throw new TfliteError(`${where}: fused activation ${act} is not supported`, "tflite-unsupported");
}

/**
 * TFLite's QuantizeMultiplier: real = q * 2^(e - 31), q in [2^30, 2^31), rounded to nearest;
 * as earshot's (mult, shift) that is (q, 31 - e).
 */
export function tfliteMultiplier(real: number): { mult: number; shift: number } {
  if (!(real > 0) || !Number.isFinite(real)) return { mult: 0, shift: SHIFT_MAX };
  let e = Math.floor(Math.log2(real)) + 1;
  while (2 ** (e - 1) > real) e--;
  while (2 ** e <= real) e++;
  let q = Math.round((real / 2 ** e) * 2 ** 31);
  if (q === 2 ** 31) {
    q /= 2;
    e++;
  }
  const shift = 31 - e;
  if (shift < SHIFT_MIN) throw new TfliteError(`requantization multiplier ${real} is too large`);
  // TFLite flushes multipliers below 2^-31 to zero; earshot's shift stops at 62.
  if (shift > SHIFT_MAX) return { mult: 0, shift: SHIFT_MAX };
  return { mult: q, shift };
}

class Importer {
  readonly g = new GraphBuilder();
  /** earshot activation of each TFLite tensor computed so far. */
  readonly acts = new Map<number, Act>();

  constructor(
    readonly m: TfliteModel,
    readonly tflmRounding: boolean,
  ) {}

  /**
   * A conv / dense layer with TFLite's requantization: fused (earshot rounding) or as int32
   * accumulators followed by tflm_requantize.
   */
  layer(
    x: Act,
    r: {
      bias: number[];
      mult: number[];
      shift: number[];
      outScale: number;
      outZp: number;
      wScales: number[];
    },
    cl: { actMin: number; actMax: number },
    emit: (rq: Requant) => Act,
  ): Act {
    if (!this.tflmRounding) return emit({ ...r, ...cl });
    const n = r.bias.length;
    const acc = emit({
      bias: r.bias,
      mult: new Array(n).fill(IDENTITY.mult),
      shift: new Array(n).fill(IDENTITY.shift),
      outScale: x.scale * r.wScales[0],
      outZp: 0,
      actMin: -2147483648,
      actMax: 2147483647,
      outDtype: DT_INT32,
    });
    return this.g.tflmRequantize(acc, r, cl.actMin, cl.actMax);
  }

  tensor(i: number, where: string): TfliteTensor {
    const t = this.m.tensors[i];
    if (t === undefined) throw new TfliteError(`${where}: missing tensor ${i}`, "tflite-malformed");
    return t;
  }

  quant(t: TfliteTensor, where: string): { scale: number[]; zp: number[]; dim: number } {
    if (t.quant === null) {
      throw new TfliteError(
        `${where}: tensor "${t.name}" is not quantized (only int8 models import)`,
        "tflite-unsupported",
      );
    }
    return { scale: t.quant.scale, zp: t.quant.zeroPoint, dim: t.quant.quantizedDimension };
  }

  /** Integer data of a constant tensor. */
  data(i: number, type: number, where: string): number[] {
    const t = this.tensor(i, where);
    if (t.type !== type) {
      throw new TfliteError(
        `${where}: tensor "${t.name}" is ${tensorTypeName(t.type)}, expected ${tensorTypeName(type)}`,
        "tflite-unsupported",
      );
    }
    const b = this.m.buffers[t.buffer];
    const n = t.shape.reduce((a, d) => a * d, 1);
    const size = type === TT_INT8 ? 1 : 4;
    if (b === undefined || b.length !== n * size) {
      throw new TfliteError(
        `${where}: tensor "${t.name}" has ${b?.length ?? 0} data bytes, shape [${t.shape}] needs ${n * size}`,
        "tflite-malformed",
      );
    }
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const out: number[] = [];
    for (let k = 0; k < n; k++) out.push(size === 1 ? view.getInt8(k) : view.getInt32(4 * k, true));
    return out;
  }

  /** The activation feeding an op (an earlier op's output or the graph input). */
  act(i: number, where: string): Act {
    const a = this.acts.get(i);
    if (a === undefined) {
      throw new TfliteError(
        `${where}: input tensor "${this.tensor(i, where).name}" is neither the graph input nor computed earlier`,
        "tflite-unsupported",
      );
    }
    return a;
  }

  outInfo(op: TfliteOperator, where: string): { t: TfliteTensor; scale: number; zp: number } {
    const t = this.tensor(op.outputs[0], where);
    if (t.type !== TT_INT8) {
      throw new TfliteError(
        `${where}: output "${t.name}" is ${tensorTypeName(t.type)}; only int8 activations import`,
        "tflite-unsupported",
      );
    }
    const q = this.quant(t, where);
    return { t, scale: q.scale[0], zp: q.zp[0] ?? 0 };
  }

  /** Bias, per-channel multipliers and shifts of a conv/FC layer with `outC` outputs. */
  requant(op: TfliteOperator, x: Act, wIndex: number, outC: number, where: string) {
    const w = this.tensor(wIndex, where);
    const wq = this.quant(w, where);
    for (const z of wq.zp)
      if (z !== 0)
        throw new TfliteError(`${where}: weight zero point ${z} (must be 0)`, "tflite-unsupported");
    if (wq.scale.length !== 1 && wq.scale.length !== outC) {
      throw new TfliteError(
        `${where}: ${wq.scale.length} weight scales for ${outC} output channels`,
        "tflite-malformed",
      );
    }
    const o = this.outInfo(op, where);
    const bias =
      op.inputs.length > 2 && op.inputs[2] >= 0
        ? this.data(op.inputs[2], TT_INT32, `${where} bias`)
        : new Array(outC).fill(0);
    if (bias.length !== outC)
      throw new TfliteError(
        `${where}: ${bias.length} biases for ${outC} outputs`,
        "tflite-malformed",
      );
    const mult: number[] = [];
    const shift: number[] = [];
    for (let c = 0; c < outC; c++) {
      const ws = wq.scale.length === 1 ? wq.scale[0] : wq.scale[c];
      const r = tfliteMultiplier((x.scale * ws) / o.scale);
      mult.push(r.mult);
      shift.push(r.shift);
    }
    return { bias, mult, shift, outScale: o.scale, outZp: o.zp, wScales: wq.scale };
  }

  padding(opts: Table | null): number {
    // TFLite Padding: SAME = 0, VALID = 1.
    return (opts?.i8(0, 0) ?? 0) === 0 ? PAD_SAME : PAD_VALID;
  }

  conv(op: TfliteOperator, depthwise: boolean, where: string): Act {
    const x = this.act(op.inputs[0], where);
    if (x.shape.length !== 3)
      throw new TfliteError(
        `${where}: input of shape [${x.shape}] is not [H, W, C]`,
        "tflite-unsupported",
      );
    const o = op.options;
    // Conv2DOptions: padding 0, stride_w 1, stride_h 2, activation 3, dilation_w 4, dilation_h 5.
    // DepthwiseConv2DOptions: padding 0, stride_w 1, stride_h 2, depth_multiplier 3, activation 4, dilation_w 5, dilation_h 6.
    const dil = depthwise
      ? [o?.i32(5, 1) ?? 1, o?.i32(6, 1) ?? 1]
      : [o?.i32(4, 1) ?? 1, o?.i32(5, 1) ?? 1];
    if (dil[0] !== 1 || dil[1] !== 1)
      throw new TfliteError(`${where}: dilation ${dil} is not supported`, "tflite-unsupported");
    const wt = this.tensor(op.inputs[1], where);
    if (wt.shape.length !== 4)
      throw new TfliteError(
        `${where}: weights of shape [${wt.shape}] are not 4-D`,
        "tflite-malformed",
      );
    const weights = this.data(op.inputs[1], TT_INT8, `${where} weights`);
    // TFLite: conv OHWI [O, kH, kW, I] (earshot's layout); depthwise [1, kH, kW, outC].
    const outC = depthwise ? wt.shape[3] : wt.shape[0];
    const wShape = depthwise ? [wt.shape[1], wt.shape[2], wt.shape[3]] : wt.shape.slice();
    if (!depthwise && wt.shape[3] !== x.shape[2])
      throw new TfliteError(
        `${where}: weights expect ${wt.shape[3]} input channels, input has ${x.shape[2]}`,
        "tflite-malformed",
      );
    if (depthwise && outC % x.shape[2] !== 0)
      throw new TfliteError(
        `${where}: ${outC} outputs are not a multiple of ${x.shape[2]} inputs`,
        "tflite-malformed",
      );
    const r = this.requant(op, x, op.inputs[1], outC, where);
    const act = o?.i8(depthwise ? 4 : 3, 0) ?? 0;
    const cl = fusedClamp(act, r.outScale, r.outZp, where);
    const geom = {
      weights,
      wShape,
      strideW: o?.i32(1, 1) ?? 1,
      strideH: o?.i32(2, 1) ?? 1,
      padding: this.padding(o),
    };
    return this.layer(x, r, cl, (rq) => this.g.conv2d(x, { ...rq, ...geom }, depthwise));
  }

  dense(op: TfliteOperator, where: string): Act {
    const x = this.act(op.inputs[0], where);
    const wt = this.tensor(op.inputs[1], where);
    if (wt.shape.length !== 2)
      throw new TfliteError(
        `${where}: weights of shape [${wt.shape}] are not 2-D`,
        "tflite-malformed",
      );
    const [outN, inN] = wt.shape;
    const n = x.shape.reduce((a, d) => a * d, 1);
    if (n !== inN)
      throw new TfliteError(
        `${where}: input has ${n} values, weights expect ${inN}`,
        "tflite-malformed",
      );
    const weights = this.data(op.inputs[1], TT_INT8, `${where} weights`);
    const r = this.requant(op, x, op.inputs[1], outN, where);
    // FullyConnectedOptions: fused_activation_function 0, weights_format 1.
    if ((op.options?.i8(1, 0) ?? 0) !== 0)
      throw new TfliteError(
        `${where}: shuffled weights format is not supported`,
        "tflite-unsupported",
      );
    const cl = fusedClamp(op.options?.i8(0, 0) ?? 0, r.outScale, r.outZp, where);
    return this.layer(x, r, cl, (rq) => this.g.dense(x, { ...rq, weights, outN }));
  }

  pool(op: TfliteOperator, max: boolean, where: string): Act {
    const x = this.act(op.inputs[0], where);
    if (x.shape.length !== 3)
      throw new TfliteError(
        `${where}: input of shape [${x.shape}] is not [H, W, C]`,
        "tflite-unsupported",
      );
    const o = this.outInfo(op, where);
    if (Math.abs(o.scale - x.scale) > 1e-6 * x.scale || o.zp !== x.zeroPoint) {
      throw new TfliteError(
        `${where}: output quantization differs from the input's`,
        "tflite-unsupported",
      );
    }
    // Pool2DOptions: padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4, activation 5.
    const p = op.options;
    const cl = fusedClamp(p?.i8(5, 0) ?? 0, x.scale, x.zeroPoint, where);
    const k: [number, number] = [p?.i32(4, 1) ?? 1, p?.i32(3, 1) ?? 1];
    const s: [number, number] = [p?.i32(2, 1) ?? 1, p?.i32(1, 1) ?? 1];
    return this.g.pool(x, max, k, s, this.padding(p), cl.actMin, cl.actMax);
  }

  add(op: TfliteOperator, where: string): Act {
    const a = this.act(op.inputs[0], where);
    const b = this.act(op.inputs[1], where);
    if (a.shape.join() !== b.shape.join())
      throw new TfliteError(
        `${where}: broadcasting [${a.shape}] + [${b.shape}] is not supported`,
        "tflite-unsupported",
      );
    const o = this.outInfo(op, where);
    const cl = fusedClamp(op.options?.i8(0, 0) ?? 0, o.scale, o.zp, where);
    return this.g.add(
      a,
      b,
      addMultipliers(a.scale, b.scale, o.scale, 20),
      o.scale,
      o.zp,
      cl.actMin,
      cl.actMax,
    );
  }

  /** RESHAPE is a view: the same flat values under the target shape (batch axis dropped). */
  reshape(op: TfliteOperator, where: string): Act {
    const x = this.act(op.inputs[0], where);
    const target = dropBatch(this.tensor(op.outputs[0], where).shape);
    const n = target.reduce((a, d) => a * d, 1);
    if (n !== x.shape.reduce((a, d) => a * d, 1))
      throw new TfliteError(
        `${where}: reshape [${x.shape}] -> [${target}] changes the element count`,
        "tflite-malformed",
      );
    return { ...x, shape: target };
  }

  softmax(op: TfliteOperator, where: string): Act {
    const x = this.act(op.inputs[0], where);
    const beta = op.options?.f32(0, 1) ?? 1;
    return this.g.softmax(x, softmaxLut(x.scale, beta));
  }
}

function dropBatch(shape: number[]): number[] {
  return shape.length > 1 && shape[0] === 1 ? shape.slice(1) : shape.slice();
}

/** Rejects every op earshot cannot map, all named in one line. */
export function checkSupported(m: TfliteModel): void {
  const bad = [...new Set(m.operators.filter((o) => !SUPPORTED.has(o.builtin)).map((o) => o.name))];
  if (bad.length > 0) {
    throw new TfliteError(
      `unsupported TFLite ops: ${bad.join(", ")} (earshot imports ${Object.keys(OP).join(", ")})`,
      "tflite-unsupported",
    );
  }
}

export function importTflite(m: TfliteModel, opts: ImportOptions = {}): DeviceModel {
  checkSupported(m);
  if (m.inputs.length !== 1 || m.outputs.length !== 1) {
    throw new TfliteError(
      `expected 1 input and 1 output, found ${m.inputs.length} and ${m.outputs.length}`,
      "tflite-unsupported",
    );
  }
  const im = new Importer(m, (opts.rounding ?? "tflm") === "tflm");
  const inT = im.tensor(m.inputs[0], "graph input");
  if (inT.type !== TT_INT8)
    throw new TfliteError(
      `graph input "${inT.name}" is ${tensorTypeName(inT.type)}; only int8 inputs import`,
      "tflite-unsupported",
    );
  const iq = im.quant(inT, "graph input");
  // A RESHAPE right after the input sets the input's shape (earshot tensors are flat anyway).
  let inShape = dropBatch(inT.shape);
  const first = m.operators.find((o) => o.inputs.includes(m.inputs[0]));
  const consumers = m.operators.filter((o) => o.inputs.includes(m.inputs[0]));
  if (first !== undefined && consumers.length === 1 && first.builtin === OP.RESHAPE) {
    inShape = dropBatch(im.tensor(first.outputs[0], "reshape").shape);
  }
  const x = im.g.input(inShape);
  im.acts.set(m.inputs[0], im.g.quantize(x, iq.scale[0], iq.zp[0] ?? 0, DT_INT8));
  for (const op of m.operators) {
    const where = `op ${op.index} ${op.name}`;
    if (op.outputs.length !== 1)
      throw new TfliteError(`${where}: ${op.outputs.length} outputs`, "tflite-unsupported");
    let y: Act;
    if (op.builtin === OP.CONV_2D) y = im.conv(op, false, where);
    else if (op.builtin === OP.DEPTHWISE_CONV_2D) y = im.conv(op, true, where);
    else if (op.builtin === OP.FULLY_CONNECTED) y = im.dense(op, where);
    else if (op.builtin === OP.AVERAGE_POOL_2D) y = im.pool(op, false, where);
    else if (op.builtin === OP.MAX_POOL_2D) y = im.pool(op, true, where);
    else if (op.builtin === OP.ADD) y = im.add(op, where);
    else if (op.builtin === OP.RESHAPE) y = im.reshape(op, where);
    else y = im.softmax(op, where);
    const want = dropBatch(im.tensor(op.outputs[0], where).shape);
    const wn = want.reduce((a, d) => a * d, 1);
    if (wn !== y.shape.reduce((a, d) => a * d, 1)) {
      throw new TfliteError(
        `${where}: computes [${y.shape}], the file says [${want}]`,
        "tflite-malformed",
      );
    }
    im.acts.set(op.outputs[0], y);
  }
  const out = im.act(m.outputs[0], "graph output");
  const nOut = out.shape.reduce((a, d) => a * d, 1);
  const labels = opts.labels ?? Array.from({ length: nOut }, (_, i) => `class${i}`);
  if (labels.length !== nOut)
    throw new TfliteError(`${labels.length} labels for ${nOut} outputs`, "usage");
  const model = im.g.build(
    {
      modelId: opts.modelId ?? "tflite-import",
      modelVersion: 1,
      labels,
      meta: [{ key: "import.tfliteVersion", value: m.version }, ...(opts.meta ?? [])],
    },
    out,
  );
  model.frontEnd = frontEndFor(model.tensors[model.input].shape, opts.frontEnd ?? "auto");
  return model;
}

/** The header's front-end key/values for an input of `shape` (ImportOptions.frontEnd). */
function frontEndFor(shape: number[], choice: "tflm-micro" | "none" | "auto"): KeyValue[] {
  if (choice === "none") return [];
  const channels = TFLM_MICRO_SPEECH.channels;
  const fits = shape.length >= 2 && shape[1] === channels && (shape.length === 2 || shape[2] === 1);
  if (!fits && choice === "auto") return [];
  if (!fits)
    throw new TfliteError(
      `the tflm-micro front end gives [frames, ${channels}] features; the input is [${shape}]`,
      "usage",
    );
  return frontEndToKeyValues(TFLM_MICRO_SPEECH);
}
