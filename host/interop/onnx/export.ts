/**
 * Device model (.esm) -> ONNX, for other runtimes. Two forms:
 *  - "qdq": int8 weights behind DequantizeLinear and every int8 activation through
 *    QuantizeLinear -> DequantizeLinear with the model's scales and zero points (the standard
 *    QDQ form ONNX runtimes turn into integer kernels);
 *  - "float": the same graph with dequantized weights and float activations (clamps kept).
 * earshot's tensors are NHWC without batch; the ONNX graph takes [1, ...input shape], runs
 * convolutions in NCHW and flattens in NHWC order as earshot does. Each conv / dense layer's
 * effective real multiplier R[c] (from its stored mult / shift, or from the tflm_requantize that
 * follows it) defines the real weights w * R[c] / inScale and bias b * R[c], so the float graph
 * computes acc * R[c] exactly as the integer one before rounding. Softmax gets its beta back from
 * the table. Binary ops have no ONNX form here and are refused.
 */

import { EarshotError } from "../../../shared/errors";
import { axisPadding, planAxis } from "../../../shared/kernels/padding";
import { opName } from "../../../shared/model-format/prepare";
import type { DeviceModel, DeviceOp, DeviceTensor } from "../../../shared/model-format/types";
import {
  DT_INT8,
  DT_INT32,
  OP_ADD,
  OP_AVG_POOL2D,
  OP_CONV2D,
  OP_DENSE,
  OP_DEPTHWISE_CONV2D,
  OP_GLOBAL_AVG_POOL,
  OP_GLOBAL_MAX_POOL,
  OP_MAX_POOL2D,
  OP_QUANTIZE,
  OP_SOFTMAX,
  OP_TFLM_REQUANTIZE,
} from "../../../shared/model-format/types";
import { ONNX_FLOAT, ONNX_INT8, ONNX_INT64, OnnxGraph } from "./model";

export class OnnxExportError extends EarshotError {
  constructor(message: string) {
    super("onnx-export", message);
    this.name = "OnnxExportError";
  }
}

export type OnnxPrecision = "qdq" | "float";

interface Value {
  name: string;
  /** "nchw": [1, C, H, W] of an earshot [H, W, C]; "flat": [1, n] in earshot's order. */
  layout: "nchw" | "flat";
}

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

export function exportOnnx(model: DeviceModel, precision: OnnxPrecision): Uint8Array {
  const g = new OnnxGraph();
  const qdq = precision === "qdq";
  const vals = new Map<number, Value>();
  const T = (i: number): DeviceTensor => model.tensors[i];
  const scaleOf = (t: DeviceTensor) => (t.scales.length > 0 ? t.scales[0] : 1);
  const i64 = (base: string, v: number[]) => g.constant(base, ONNX_INT64, [v.length], v);
  const f32 = (base: string, v: number) => g.constant(base, ONNX_FLOAT, [], [v]);

  const nchw = (t: number): string => {
    const v = vals.get(t) as Value;
    if (v.layout === "nchw") return v.name;
    const s = T(t).shape;
    if (s.length !== 3)
      throw new OnnxExportError(`tensor "${T(t).name}" of shape [${s}] is not [H, W, C]`);
    const r = g.node("Reshape", [v.name, i64("shape", [1, ...s])]);
    return g.node("Transpose", [r], { perm: [0, 3, 1, 2] });
  };
  const flat = (t: number): string => {
    const v = vals.get(t) as Value;
    if (v.layout === "flat") return v.name;
    const tr = g.node("Transpose", [v.name], { perm: [0, 2, 3, 1] });
    return g.node("Reshape", [tr, i64("shape", [1, numel(T(t).shape)])]);
  };
  /** Clamp to the integer range, then (qdq) quantize and dequantize with the tensor's params. */
  const finish = (x: string, t: DeviceTensor, lo: number, hi: number): string => {
    const s = scaleOf(t);
    const clipped = g.node("Clip", [
      x,
      f32("lo", (lo - t.zeroPoint) * s),
      f32("hi", (hi - t.zeroPoint) * s),
    ]);
    if (!qdq || t.dtype !== DT_INT8) return clipped;
    const zp = g.constant("zp", ONNX_INT8, [], [t.zeroPoint]);
    const sc = f32("scale", s);
    return g.node("DequantizeLinear", [g.node("QuantizeLinear", [clipped, sc, zp]), sc, zp]);
  };
  const consumer = (t: number): DeviceOp | undefined => model.ops.find((o) => o.inputs[0] === t);

  /** Real multiplier per channel and the op whose clamp and output finish the layer. */
  const layerScale = (op: DeviceOp): { R: number[]; last: DeviceOp } => {
    const y = T(op.outputs[0]);
    const next = consumer(op.outputs[0]);
    if (y.dtype === DT_INT32 && next !== undefined && next.code === OP_TFLM_REQUANTIZE) {
      const m = T(next.inputs[1]).data as number[];
      const sh = T(next.inputs[2]).data as number[];
      const ys = scaleOf(T(next.outputs[0]));
      return { R: m.map((v, c) => v * 2 ** -sh[c] * ys), last: next };
    }
    const m = T(op.inputs[3]).data as number[];
    const sh = T(op.inputs[4]).data as number[];
    return { R: m.map((v, c) => v * 2 ** -sh[c] * scaleOf(y)), last: op };
  };
  /** Weights (real = w * R[c] / inScale, channel c on axis 0 of `dims`) as a float or DQ tensor. */
  const weights = (w: number[], dims: number[], R: number[], inScale: number): string => {
    const per = numel(dims) / dims[0];
    if (!qdq || R.some((r) => !(r > 0))) {
      return g.constant(
        "w",
        ONNX_FLOAT,
        dims,
        w.map((v, i) => (v * R[Math.floor(i / per)]) / inScale),
      );
    }
    const wq = g.constant("wq", ONNX_INT8, dims, w);
    const sc = g.constant(
      "wscale",
      ONNX_FLOAT,
      [dims[0]],
      R.map((r) => r / inScale),
    );
    const zp = g.constant("wzp", ONNX_INT8, [dims[0]], new Array(dims[0]).fill(0));
    return g.node("DequantizeLinear", [wq, sc, zp], { axis: 0 });
  };

  const inT = T(model.input);
  const inShape = [1, ...inT.shape];
  vals.set(model.input, { name: g.input("features", inShape), layout: "flat" });
  const done = new Set<DeviceOp>();
  for (const op of model.ops) {
    if (done.has(op)) continue;
    const a = op.attrs;
    const y = T(op.outputs[0]);
    const x = T(op.inputs[0]);
    let out: Value;
    if (op.code === OP_QUANTIZE) {
      // Features stay real; the clamp is quantize's saturation.
      const v = vals.get(op.inputs[0]) as Value;
      const r =
        y.shape.length === 3
          ? g.node("Transpose", [g.node("Reshape", [v.name, i64("shape", [1, ...y.shape])])], {
              perm: [0, 3, 1, 2],
            })
          : v.name;
      const lo = y.dtype === DT_INT8 ? -128 : -32768;
      out = { name: finish(r, y, lo, -lo - 1), layout: y.shape.length === 3 ? "nchw" : "flat" };
    } else if (op.code === OP_CONV2D || op.code === OP_DEPTHWISE_CONV2D) {
      const dw = op.code === OP_DEPTHWISE_CONV2D;
      const { R, last } = layerScale(op);
      const ws = T(op.inputs[1]);
      const wd = ws.data as number[];
      const [inH, inW, inC] = x.shape;
      let kH: number;
      let kW: number;
      let outC: number;
      let w: number[];
      if (dw) {
        [kH, kW, outC] = ws.shape;
        w = new Array(wd.length);
        for (let ky = 0; ky < kH; ky++)
          for (let kx = 0; kx < kW; kx++)
            for (let o = 0; o < outC; o++)
              w[(o * kH + ky) * kW + kx] = wd[(ky * kW + kx) * outC + o];
      } else {
        [outC, kH, kW] = ws.shape;
        w = new Array(wd.length);
        for (let o = 0; o < outC; o++)
          for (let ky = 0; ky < kH; ky++)
            for (let kx = 0; kx < kW; kx++)
              for (let i = 0; i < inC; i++)
                w[((o * inC + i) * kH + ky) * kW + kx] = wd[((o * kH + ky) * kW + kx) * inC + i];
      }
      const ph = planAxis(inH, kH, a[0], axisPadding(a[2], 0));
      const pw = planAxis(inW, kW, a[1], axisPadding(a[2], 1));
      const totH = Math.max((ph.out - 1) * a[0] + kH - inH, 0);
      const totW = Math.max((pw.out - 1) * a[1] + kW - inW, 0);
      const bias = (T(op.inputs[2]).data as number[]).map((b, c) => b * R[c]);
      const conv = g.node(
        "Conv",
        [
          nchw(op.inputs[0]),
          weights(w, [outC, dw ? 1 : inC, kH, kW], R, scaleOf(x)),
          g.constant("b", ONNX_FLOAT, [outC], bias),
        ],
        {
          group: dw ? inC : 1,
          kernel_shape: [kH, kW],
          strides: [a[0], a[1]],
          pads: [ph.padBefore, pw.padBefore, totH - ph.padBefore, totW - pw.padBefore],
        },
      );
      out = { name: finishLayer(conv, last), layout: "nchw" };
      if (last !== op) {
        done.add(last);
        vals.set(op.outputs[0], out);
      }
      vals.set(last.outputs[0], out);
      continue;
    } else if (op.code === OP_DENSE) {
      const { R, last } = layerScale(op);
      const ws = T(op.inputs[1]);
      const [outN, inN] = ws.shape;
      const bias = (T(op.inputs[2]).data as number[]).map((b, c) => b * R[c]);
      const gemm = g.node(
        "Gemm",
        [
          flat(op.inputs[0]),
          weights(ws.data as number[], [outN, inN], R, scaleOf(x)),
          g.constant("b", ONNX_FLOAT, [outN], bias),
        ],
        { transB: 1 },
      );
      out = { name: finishLayer(gemm, last), layout: "flat" };
      if (last !== op) done.add(last);
      vals.set(last.outputs[0], out);
      continue;
    } else if (op.code === OP_AVG_POOL2D || op.code === OP_MAX_POOL2D) {
      const [inH, inW] = x.shape;
      const ph = planAxis(inH, a[0], a[2], axisPadding(a[4], 0));
      const pw = planAxis(inW, a[1], a[3], axisPadding(a[4], 1));
      const totH = Math.max((ph.out - 1) * a[2] + a[0] - inH, 0);
      const totW = Math.max((pw.out - 1) * a[3] + a[1] - inW, 0);
      const attrs: Record<string, number | number[]> = {
        kernel_shape: [a[0], a[1]],
        strides: [a[2], a[3]],
        pads: [ph.padBefore, pw.padBefore, totH - ph.padBefore, totW - pw.padBefore],
      };
      if (op.code === OP_AVG_POOL2D) attrs.count_include_pad = 0;
      const p = g.node(
        op.code === OP_AVG_POOL2D ? "AveragePool" : "MaxPool",
        [nchw(op.inputs[0])],
        attrs,
      );
      out = { name: finish(p, y, a[5], a[6]), layout: "nchw" };
    } else if (op.code === OP_GLOBAL_AVG_POOL || op.code === OP_GLOBAL_MAX_POOL) {
      const p = g.node(op.code === OP_GLOBAL_AVG_POOL ? "GlobalAveragePool" : "GlobalMaxPool", [
        nchw(op.inputs[0]),
      ]);
      const r = g.node("Reshape", [p, i64("shape", [1, x.shape[2]])]);
      out = { name: finish(r, y, a[0], a[1]), layout: "flat" };
    } else if (op.code === OP_ADD) {
      const va = vals.get(op.inputs[0]) as Value;
      const both =
        va.layout === "nchw"
          ? [nchw(op.inputs[0]), nchw(op.inputs[1])]
          : [flat(op.inputs[0]), flat(op.inputs[1])];
      out = { name: finish(g.node("Add", both), y, a[10], a[11]), layout: va.layout };
    } else if (op.code === OP_SOFTMAX) {
      const lut = T(op.inputs[1]).data as number[];
      let d = 1;
      while (d + 1 < lut.length && lut[d + 1] > 2 ** 20) d++;
      const beta = -Math.log(lut[d] / 2 ** 30) / (d * scaleOf(x));
      const scaled = g.node("Mul", [flat(op.inputs[0]), f32("beta", beta)]);
      out = { name: g.node("Softmax", [scaled], { axis: -1 }), layout: "flat" };
    } else {
      throw new OnnxExportError(`op ${opName(op.code)} has no ONNX export (int8 ops only)`);
    }
    vals.set(op.outputs[0], out);
  }
  const o = vals.get(model.output) as Value;
  const final = flat(model.output);
  const outName = g.node("Identity", [final], {}, "scores");
  void o;
  g.output(outName, [1, numel(T(model.output).shape)]);
  return g.serialize(model.modelId);

  function finishLayer(x: string, last: DeviceOp): string {
    const t = T(last.outputs[0]);
    const at =
      last.code === OP_TFLM_REQUANTIZE
        ? [last.attrs[1], last.attrs[2]]
        : last.code === OP_DENSE
          ? [last.attrs[2], last.attrs[3]]
          : [last.attrs[5], last.attrs[6]];
    return finish(x, t, at[0], at[1]);
  }
}
