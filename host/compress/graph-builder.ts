/**
 * Builds DeviceModels op by op from integer parameters, deriving output shapes with the same
 * rules the decoder checks. Used by the synthetic test models and by the exporter: give it
 * already-quantized integers (weights, bias, multipliers, thresholds); it owns the layout.
 */
import { axisPadding, planAxis } from "../../shared/kernels/padding";
import { naturalBits, numel } from "../../shared/model-format/layout";
import type { DeviceModel, DeviceTensor, KeyValue } from "../../shared/model-format/types";
import {
  DT_BIN,
  DT_FLOAT32,
  DT_INT8,
  DT_INT32,
  OP_ADD,
  OP_AVG_POOL2D,
  OP_BCONV2D,
  OP_BCONV2D_INT,
  OP_BDENSE,
  OP_BDENSE_INT,
  OP_BINARIZE,
  OP_CONV2D,
  OP_DENSE,
  OP_DEPTHWISE_CONV2D,
  OP_GLOBAL_AVG_POOL,
  OP_GLOBAL_MAX_POOL,
  OP_MAX_POOL2D,
  OP_QUANTIZE,
  OP_SOFTMAX,
  OP_TFLM_REQUANTIZE,
  PAD_SAME,
} from "../../shared/model-format/types";
import { packSigns } from "../../shared/quant/pack";

/** An activation tensor handle: index plus what later ops need to know about it. */
export interface Act {
  index: number;
  shape: number[];
  dtype: number;
  scale: number;
  zeroPoint: number;
}

/** Requantization of an integer layer's output. */
export interface Requant {
  bias: number[];
  mult: number[];
  shift: number[];
  outScale: number;
  outZp: number;
  actMin: number;
  actMax: number;
  /** Output dtype (default int8). */
  outDtype?: number;
}

export interface ConvSpec extends Requant {
  /** Integer weights: OHWI for conv2d, [kH, kW, outC] for depthwise. */
  weights: number[];
  /** Weight shape in that layout. */
  wShape: number[];
  /** Stored bit width of the weights (2, 4, 5 or 8). */
  wBits?: number;
  wScales?: number[];
  strideH?: number;
  strideW?: number;
  padding?: number;
}

export interface ModelInfo {
  modelId: string;
  modelVersion: number;
  labels: string[];
  frontEnd?: KeyValue[];
  threshold?: number;
  smoothingWindow?: number;
  meta?: KeyValue[];
}

export class GraphBuilder {
  readonly tensors: DeviceTensor[] = [];
  readonly ops: DeviceModel["ops"] = [];
  private inputIndex = -1;

  private tensor(t: Omit<DeviceTensor, "name"> & { name?: string }): number {
    this.tensors.push({ name: t.name ?? `t${this.tensors.length}`, ...t });
    return this.tensors.length - 1;
  }

  private act(name: string, shape: number[], dtype: number, scale: number, zeroPoint: number): Act {
    const bits = naturalBits(dtype);
    const index = this.tensor({ name, dtype, bits, shape, data: null, scales: [scale], zeroPoint });
    return { index, shape, dtype, scale, zeroPoint };
  }

  /** An int32 constant vector. */
  i32(name: string, values: number[]): number {
    return this.tensor({
      name,
      dtype: DT_INT32,
      bits: 32,
      shape: [values.length],
      data: values.slice(),
      scales: [],
      zeroPoint: 0,
    });
  }

  /** Integer weights at a stored bit width. */
  weights(
    name: string,
    values: number[],
    shape: number[],
    bits = 8,
    scales: number[] = [],
  ): number {
    if (numel(shape) !== values.length)
      throw new Error(`${name}: ${values.length} values for shape [${shape}]`);
    return this.tensor({
      name,
      dtype: DT_INT8,
      bits,
      shape,
      data: values.slice(),
      scales,
      zeroPoint: 0,
    });
  }

  /** ±1 weights (>= 0 is +1), packed along the last axis. */
  binaryWeights(name: string, signs: number[], shape: number[]): number {
    const last = shape[shape.length - 1];
    const rows = numel(shape) / last;
    return this.tensor({
      name,
      dtype: DT_BIN,
      bits: 1,
      shape,
      data: packSigns(signs, rows, last),
      scales: [],
      zeroPoint: 0,
    });
  }

  input(shape: number[]): Act {
    const a = this.act("input", shape, DT_FLOAT32, 1, 0);
    this.inputIndex = a.index;
    return a;
  }

  quantize(x: Act, scale: number, zeroPoint: number, dtype = DT_INT8): Act {
    const y = this.act(`quantize${this.ops.length}`, x.shape, dtype, scale, zeroPoint);
    this.ops.push({ code: OP_QUANTIZE, inputs: [x.index], outputs: [y.index], attrs: [] });
    return y;
  }

  private requantOperands(name: string, r: Requant): number[] {
    return [
      this.i32(`${name}.bias`, r.bias),
      this.i32(`${name}.mult`, r.mult),
      this.i32(`${name}.shift`, r.shift),
    ];
  }

  private window(x: Act, kH: number, kW: number, sH: number, sW: number, pad: number): number[] {
    return [
      planAxis(x.shape[0], kH, sH, axisPadding(pad, 0)).out,
      planAxis(x.shape[1], kW, sW, axisPadding(pad, 1)).out,
    ];
  }

  conv2d(x: Act, s: ConvSpec, depthwise = false): Act {
    const name = `${depthwise ? "dwconv" : "conv"}${this.ops.length}`;
    const [kH, kW, outC] = depthwise ? s.wShape : [s.wShape[1], s.wShape[2], s.wShape[0]];
    const sH = s.strideH ?? 1;
    const sW = s.strideW ?? 1;
    const pad = s.padding ?? PAD_SAME;
    const [oh, ow] = this.window(x, kH, kW, sH, sW, pad);
    const w = this.weights(`${name}.w`, s.weights, s.wShape, s.wBits ?? 8, s.wScales ?? []);
    const rq = this.requantOperands(name, s);
    const y = this.act(name, [oh, ow, outC], s.outDtype ?? DT_INT8, s.outScale, s.outZp);
    this.ops.push({
      code: depthwise ? OP_DEPTHWISE_CONV2D : OP_CONV2D,
      inputs: [x.index, w, ...rq],
      outputs: [y.index],
      attrs: [sH, sW, pad, x.zeroPoint, s.outZp, s.actMin, s.actMax],
    });
    return y;
  }

  dense(
    x: Act,
    s: Requant & { weights: number[]; outN: number; wBits?: number; wScales?: number[] },
  ): Act {
    const name = `dense${this.ops.length}`;
    const inN = numel(x.shape);
    const w = this.weights(`${name}.w`, s.weights, [s.outN, inN], s.wBits ?? 8, s.wScales ?? []);
    const rq = this.requantOperands(name, s);
    const y = this.act(name, [s.outN], s.outDtype ?? DT_INT8, s.outScale, s.outZp);
    this.ops.push({
      code: OP_DENSE,
      inputs: [x.index, w, ...rq],
      outputs: [y.index],
      attrs: [x.zeroPoint, s.outZp, s.actMin, s.actMax],
    });
    return y;
  }

  /** Average or max pooling; `k` and `stride` are square, or [height, width]. */
  pool(
    x: Act,
    max: boolean,
    k: number | [number, number],
    stride: number | [number, number],
    padding: number,
    actMin = -128,
    actMax = 127,
  ): Act {
    const [kH, kW] = typeof k === "number" ? [k, k] : k;
    const [sH, sW] = typeof stride === "number" ? [stride, stride] : stride;
    const [oh, ow] = this.window(x, kH, kW, sH, sW, padding);
    const y = this.act(
      `${max ? "maxpool" : "avgpool"}${this.ops.length}`,
      [oh, ow, x.shape[2]],
      x.dtype,
      x.scale,
      x.zeroPoint,
    );
    this.ops.push({
      code: max ? OP_MAX_POOL2D : OP_AVG_POOL2D,
      inputs: [x.index],
      outputs: [y.index],
      attrs: [kH, kW, sH, sW, padding, actMin, actMax],
    });
    return y;
  }

  globalAvgPool(x: Act, actMin = -128, actMax = 127): Act {
    return this.globalPool(x, false, actMin, actMax);
  }

  globalMaxPool(x: Act, actMin = -128, actMax = 127): Act {
    return this.globalPool(x, true, actMin, actMax);
  }

  private globalPool(x: Act, max: boolean, actMin: number, actMax: number): Act {
    const name = `${max ? "gmp" : "gap"}${this.ops.length}`;
    const y = this.act(name, [x.shape[2]], x.dtype, x.scale, x.zeroPoint);
    this.ops.push({
      code: max ? OP_GLOBAL_MAX_POOL : OP_GLOBAL_AVG_POOL,
      inputs: [x.index],
      outputs: [y.index],
      attrs: [actMin, actMax],
    });
    return y;
  }

  add(
    a: Act,
    b: Act,
    p: {
      leftShift: number;
      aMult: number;
      aShift: number;
      bMult: number;
      bShift: number;
      outMult: number;
      outShift: number;
    },
    outScale: number,
    outZp: number,
    actMin = -128,
    actMax = 127,
  ): Act {
    const y = this.act(`add${this.ops.length}`, a.shape, a.dtype, outScale, outZp);
    this.ops.push({
      code: OP_ADD,
      inputs: [a.index, b.index],
      outputs: [y.index],
      attrs: [
        a.zeroPoint,
        b.zeroPoint,
        outZp,
        p.leftShift,
        p.aMult,
        p.aShift,
        p.bMult,
        p.bShift,
        p.outMult,
        p.outShift,
        actMin,
        actMax,
      ],
    });
    return y;
  }

  binarize(x: Act, thr: number[], dir: number[]): Act {
    const name = `binarize${this.ops.length}`;
    const y = this.act(name, x.shape, DT_BIN, 1, 0);
    this.ops.push({
      code: OP_BINARIZE,
      inputs: [x.index, this.i32(`${name}.thr`, thr), this.i32(`${name}.dir`, dir)],
      outputs: [y.index],
      attrs: [],
    });
    return y;
  }

  /** Binary conv; `signs` OHWI. With `thr`/`dir` the output is binary, with `requant` integer. */
  binaryConv2d(
    x: Act,
    signs: number[],
    wShape: number[],
    out: { thr: number[]; dir: number[] } | { requant: Requant },
    strideH = 1,
    strideW = 1,
    padding = PAD_SAME,
  ): Act {
    const name = `bconv${this.ops.length}`;
    const [oh, ow] = this.window(x, wShape[1], wShape[2], strideH, strideW, padding);
    const w = this.binaryWeights(`${name}.w`, signs, wShape);
    if ("thr" in out) {
      const y = this.act(name, [oh, ow, wShape[0]], DT_BIN, 1, 0);
      this.ops.push({
        code: OP_BCONV2D,
        inputs: [x.index, w, this.i32(`${name}.thr`, out.thr), this.i32(`${name}.dir`, out.dir)],
        outputs: [y.index],
        attrs: [strideH, strideW, padding],
      });
      return y;
    }
    const r = out.requant;
    const y = this.act(name, [oh, ow, wShape[0]], r.outDtype ?? DT_INT8, r.outScale, r.outZp);
    this.ops.push({
      code: OP_BCONV2D_INT,
      inputs: [x.index, w, ...this.requantOperands(name, r)],
      outputs: [y.index],
      attrs: [strideH, strideW, padding, r.outZp, r.actMin, r.actMax],
    });
    return y;
  }

  /** Binary dense; `signs` [outN, inN]. */
  binaryDense(
    x: Act,
    signs: number[],
    outN: number,
    out: { thr: number[]; dir: number[] } | { requant: Requant },
  ): Act {
    const name = `bdense${this.ops.length}`;
    const inN = numel(x.shape);
    const w = this.binaryWeights(`${name}.w`, signs, [outN, inN]);
    if ("thr" in out) {
      const y = this.act(name, [outN], DT_BIN, 1, 0);
      this.ops.push({
        code: OP_BDENSE,
        inputs: [x.index, w, this.i32(`${name}.thr`, out.thr), this.i32(`${name}.dir`, out.dir)],
        outputs: [y.index],
        attrs: [],
      });
      return y;
    }
    const r = out.requant;
    const y = this.act(name, [outN], r.outDtype ?? DT_INT8, r.outScale, r.outZp);
    this.ops.push({
      code: OP_BDENSE_INT,
      inputs: [x.index, w, ...this.requantOperands(name, r)],
      outputs: [y.index],
      attrs: [r.outZp, r.actMin, r.actMax],
    });
    return y;
  }

  /** TFLite Micro's requantization of an int32 accumulator tensor (channels last). */
  tflmRequantize(
    x: Act,
    r: { mult: number[]; shift: number[]; outScale: number; outZp: number },
    actMin: number,
    actMax: number,
    dtype = DT_INT8,
  ): Act {
    const name = `requant${this.ops.length}`;
    const y = this.act(name, x.shape, dtype, r.outScale, r.outZp);
    this.ops.push({
      code: OP_TFLM_REQUANTIZE,
      inputs: [x.index, this.i32(`${name}.mult`, r.mult), this.i32(`${name}.shift`, r.shift)],
      outputs: [y.index],
      attrs: [r.outZp, actMin, actMax],
    });
    return y;
  }

  softmax(x: Act, lut: number[]): Act {
    const name = `softmax${this.ops.length}`;
    const y = this.act(name, [numel(x.shape)], DT_INT32, 1 / 32768, 0);
    this.ops.push({
      code: OP_SOFTMAX,
      inputs: [x.index, this.i32(`${name}.lut`, lut)],
      outputs: [y.index],
      attrs: [],
    });
    return y;
  }

  build(info: ModelInfo, output: Act): DeviceModel {
    if (this.inputIndex < 0) throw new Error("GraphBuilder: no input()");
    return {
      formatVersion: 1,
      modelId: info.modelId,
      modelVersion: info.modelVersion,
      labels: info.labels,
      frontEnd: info.frontEnd ?? [],
      threshold: info.threshold ?? 0.5,
      smoothingWindow: info.smoothingWindow ?? 3,
      meta: info.meta ?? [],
      tensors: this.tensors,
      ops: this.ops,
      input: this.inputIndex,
      output: output.index,
    };
  }
}
