/**
 * Graph validation and per-op preparation: checks every op's operands (counts, dtypes, shapes,
 * constant data, attribute ranges, accumulator bounds) and derives the kernel parameter objects
 * once, at load. After `prepareModel` succeeds, running the ops with shared/kernels cannot index
 * out of range or leave the exact-integer domain.
 */
import { planAxis } from "../kernels/padding";
import type {
  AddParams,
  ClampParams,
  ConvGeometry,
  DenseShape,
  QuantizeParams,
  RequantParams,
} from "../kernels/types";
import { MULT_LIMIT, pow2Table, SHIFT_MAX, SHIFT_MIN } from "../quant/rescale";
import { ModelFormatError } from "./errors";
import { dtypeRange, numel } from "./layout";
import type { DeviceModel, DeviceOp, DeviceTensor } from "./types";
import {
  DT_BIN,
  DT_FLOAT32,
  DT_INT8,
  DT_INT16,
  DT_INT32,
  DT_UINT8,
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
  OP_MAX_POOL2D,
  OP_QUANTIZE,
  OP_SOFTMAX,
} from "./types";

/** Accumulators must stay below this so rescale is exact (shared/quant/rescale.ts). */
const ACC_LIMIT = 68719476736; // 2^36
const LUT_ONE = 1073741824; // 2^30
const MAX_SOFTMAX = 256;

/** One op, checked, with the parameter objects its kernel takes. Unused fields hold zeros. */
export interface PreparedOp {
  index: number;
  code: number;
  inputs: number[];
  outputs: number[];
  conv: ConvGeometry;
  dense: DenseShape;
  requant: RequantParams;
  clamp: ClampParams;
  add: AddParams;
  quantize: QuantizeParams;
  /** binarize: pixels; softmax: logits; global pool: H. */
  n: number;
  /** binarize: channels; global pool: W. */
  m: number;
  /** global pool: channels. */
  ch: number;
  /** Multiply-accumulates (binary ops: ±1 MACs) for reports. */
  macs: number;
}

class Ctx {
  constructor(
    readonly model: DeviceModel,
    readonly op: DeviceOp,
    readonly index: number,
    readonly at: number,
  ) {}

  fail(msg: string): never {
    throw new ModelFormatError(`op ${this.index} (${opName(this.op.code)}): ${msg}`, this.at);
  }

  t(k: number): DeviceTensor {
    return this.model.tensors[this.op.inputs[k]];
  }

  out(): DeviceTensor {
    return this.model.tensors[this.op.outputs[0]];
  }

  counts(nIn: number, nOut: number, nAttr: number): void {
    const o = this.op;
    if (o.inputs.length !== nIn || o.outputs.length !== nOut || o.attrs.length !== nAttr) {
      this.fail(
        `expects ${nIn} inputs, ${nOut} outputs, ${nAttr} attributes; has ${o.inputs.length}, ${o.outputs.length}, ${o.attrs.length}`,
      );
    }
  }

  isInt(t: DeviceTensor): boolean {
    return (
      t.dtype === DT_INT8 || t.dtype === DT_UINT8 || t.dtype === DT_INT16 || t.dtype === DT_INT32
    );
  }

  intAct(t: DeviceTensor, what: string): void {
    if (!this.isInt(t)) this.fail(`${what} "${t.name}" must be an integer tensor`);
  }

  binAct(t: DeviceTensor, what: string): void {
    if (t.dtype !== DT_BIN) this.fail(`${what} "${t.name}" must be a binary tensor`);
  }

  rank(t: DeviceTensor, r: number, what: string): void {
    if (t.shape.length !== r)
      this.fail(`${what} "${t.name}" must have rank ${r}, has ${t.shape.length}`);
  }

  shape(t: DeviceTensor, want: number[], what: string): void {
    let ok = t.shape.length === want.length;
    for (let i = 0; ok && i < want.length; i++) ok = t.shape[i] === want[i];
    if (!ok)
      this.fail(
        `${what} "${t.name}" has shape [${t.shape.join(",")}], expected [${want.join(",")}]`,
      );
  }

  constant(k: number, dtype: number, what: string): number[] {
    const t = this.t(k);
    if (t.data === null) this.fail(`${what} "${t.name}" must be a constant`);
    if (t.dtype !== dtype) this.fail(`${what} "${t.name}" has dtype ${t.dtype}, expected ${dtype}`);
    return t.data as number[];
  }

  vector(k: number, n: number, what: string): number[] {
    const d = this.constant(k, DT_INT32, what);
    this.shape(this.t(k), [n], what);
    return d;
  }

  inRange(v: number, lo: number, hi: number, what: string): void {
    if (!(v >= lo && v <= hi)) this.fail(`${what} ${v} outside [${lo}, ${hi}]`);
  }

  requantVectors(bias: number, n: number): void {
    this.vector(bias, n, "bias");
    const mult = this.vector(bias + 1, n, "multiplier");
    const shift = this.vector(bias + 2, n, "shift");
    for (let i = 0; i < n; i++) {
      this.inRange(mult[i], 1 - MULT_LIMIT, MULT_LIMIT - 1, "multiplier");
      this.inRange(shift[i], SHIFT_MIN, SHIFT_MAX, "shift");
    }
  }

  thresholds(k: number, n: number): void {
    this.vector(k, n, "threshold");
    const dir = this.vector(k + 1, n, "direction");
    for (let i = 0; i < n; i++)
      if (dir[i] !== 1 && dir[i] !== -1) this.fail(`direction ${dir[i]} is not +1 or -1`);
  }

  /** Zero point within the tensor's range. */
  zp(v: number, t: DeviceTensor, what: string): void {
    const r = dtypeRange(t.dtype);
    this.inRange(v, r[0], r[1], what);
  }

  clampParams(lo: number, hi: number, t: DeviceTensor): ClampParams {
    const r = dtypeRange(t.dtype);
    this.inRange(lo, r[0], r[1], "activation min");
    this.inRange(hi, lo, r[1], "activation max");
    return { actMin: lo, actMax: hi };
  }

  /** Largest |x - zp| over the tensor's dtype range. */
  xMax(x: DeviceTensor, zp: number): number {
    const r = dtypeRange(x.dtype);
    return Math.max(Math.abs(r[0] - zp), Math.abs(r[1] - zp));
  }

  /** |acc| bound: taps * xMax * wMax + max|bias| must stay below 2^36. */
  accBound(xMax: number, taps: number, wMax: number, biasK: number): void {
    const b = this.t(biasK).data as number[];
    let bMax = 0;
    for (let i = 0; i < b.length; i++) bMax = Math.max(bMax, Math.abs(b[i]));
    if (taps * xMax * wMax + bMax >= ACC_LIMIT) this.fail("accumulator may exceed 2^36");
  }

  strides(a: number, b: number): void {
    this.inRange(a, 1, 255, "stride");
    this.inRange(b, 1, 255, "stride");
  }
}

function maxAbs(d: number[]): number {
  let m = 0;
  for (let i = 0; i < d.length; i++) if (Math.abs(d[i]) > m) m = Math.abs(d[i]);
  return m;
}

export function opName(code: number): string {
  const names = [
    "?",
    "quantize",
    "conv2d",
    "depthwise_conv2d",
    "dense",
    "avg_pool2d",
    "max_pool2d",
    "global_avg_pool",
    "add",
    "binarize",
    "binary_conv2d",
    "binary_conv2d_int",
    "binary_dense",
    "binary_dense_int",
    "softmax",
  ];
  return code >= 1 && code < names.length ? names[code] : `unknown(${code})`;
}

function blank(index: number, op: DeviceOp): PreparedOp {
  return {
    index,
    code: op.code,
    inputs: op.inputs,
    outputs: op.outputs,
    conv: {
      inH: 0,
      inW: 0,
      inC: 0,
      outH: 0,
      outW: 0,
      outC: 0,
      kH: 0,
      kW: 0,
      strideH: 1,
      strideW: 1,
      padTop: 0,
      padLeft: 0,
    },
    dense: { inN: 0, outN: 0 },
    requant: { inZp: 0, outZp: 0, actMin: 0, actMax: 0 },
    clamp: { actMin: 0, actMax: 0 },
    add: {
      n: 0,
      aZp: 0,
      bZp: 0,
      outZp: 0,
      leftShift: 0,
      aMult: 0,
      aShift: SHIFT_MIN,
      bMult: 0,
      bShift: SHIFT_MIN,
      outMult: 0,
      outShift: SHIFT_MIN,
      actMin: 0,
      actMax: 0,
    },
    quantize: { n: 0, scale: 1, zeroPoint: 0, actMin: 0, actMax: 0 },
    n: 0,
    m: 0,
    ch: 0,
    macs: 0,
  };
}

/** Geometry of a window op from input [H,W,C], kernel, strides, padding; output channels. */
function geometry(
  c: Ctx,
  x: DeviceTensor,
  kH: number,
  kW: number,
  sH: number,
  sW: number,
  pad: number,
  outC: number,
): ConvGeometry {
  c.strides(sH, sW);
  if (pad !== 0 && pad !== 1) c.fail(`padding ${pad} is not 0 (valid) or 1 (same)`);
  const h = planAxis(x.shape[0], kH, sH, pad);
  const w = planAxis(x.shape[1], kW, sW, pad);
  if (h.out < 1 || w.out < 1)
    c.fail(`kernel ${kH}x${kW} does not fit input ${x.shape[0]}x${x.shape[1]}`);
  return {
    inH: x.shape[0],
    inW: x.shape[1],
    inC: x.shape[2],
    outH: h.out,
    outW: w.out,
    outC,
    kH,
    kW,
    strideH: sH,
    strideW: sW,
    padTop: h.padBefore,
    padLeft: w.padBefore,
  };
}

function prepareConv(c: Ctx, p: PreparedOp, depthwise: boolean): void {
  c.counts(5, 1, 7);
  const x = c.t(0);
  const y = c.out();
  const a = c.op.attrs;
  c.intAct(x, "input");
  c.rank(x, 3, "input");
  const w = c.t(1);
  const wd = c.constant(1, DT_INT8, "weights");
  let kH: number;
  let kW: number;
  let outC: number;
  if (depthwise) {
    c.rank(w, 3, "weights");
    kH = w.shape[0];
    kW = w.shape[1];
    outC = w.shape[2];
    if (outC % x.shape[2] !== 0)
      c.fail(`output channels ${outC} not a multiple of input channels ${x.shape[2]}`);
  } else {
    c.rank(w, 4, "weights");
    outC = w.shape[0];
    kH = w.shape[1];
    kW = w.shape[2];
    if (w.shape[3] !== x.shape[2])
      c.fail(`weights have ${w.shape[3]} input channels, input has ${x.shape[2]}`);
  }
  c.requantVectors(2, outC);
  const g = geometry(c, x, kH, kW, a[0], a[1], a[2], outC);
  c.intAct(y, "output");
  c.shape(y, [g.outH, g.outW, outC], "output");
  c.zp(a[3], x, "input zero point");
  c.zp(a[4], y, "output zero point");
  const cl = c.clampParams(a[5], a[6], y);
  c.accBound(c.xMax(x, a[3]), kH * kW * (depthwise ? 1 : g.inC), maxAbs(wd), 2);
  p.conv = g;
  p.requant = { inZp: a[3], outZp: a[4], actMin: cl.actMin, actMax: cl.actMax };
  p.macs = g.outH * g.outW * outC * kH * kW * (depthwise ? 1 : g.inC);
}

function prepareDense(c: Ctx, p: PreparedOp): void {
  c.counts(5, 1, 4);
  const x = c.t(0);
  const y = c.out();
  const a = c.op.attrs;
  c.intAct(x, "input");
  const w = c.t(1);
  const wd = c.constant(1, DT_INT8, "weights");
  c.rank(w, 2, "weights");
  const outN = w.shape[0];
  const inN = w.shape[1];
  if (numel(x.shape) !== inN) c.fail(`input has ${numel(x.shape)} elements, weights expect ${inN}`);
  c.requantVectors(2, outN);
  c.intAct(y, "output");
  c.shape(y, [outN], "output");
  c.zp(a[0], x, "input zero point");
  c.zp(a[1], y, "output zero point");
  const cl = c.clampParams(a[2], a[3], y);
  c.accBound(c.xMax(x, a[0]), inN, maxAbs(wd), 2);
  p.dense = { inN, outN };
  p.requant = { inZp: a[0], outZp: a[1], actMin: cl.actMin, actMax: cl.actMax };
  p.macs = inN * outN;
}

function preparePool(c: Ctx, p: PreparedOp): void {
  c.counts(1, 1, 7);
  const x = c.t(0);
  const y = c.out();
  const a = c.op.attrs;
  c.intAct(x, "input");
  c.rank(x, 3, "input");
  if (y.dtype !== x.dtype) c.fail("output dtype differs from input");
  c.inRange(a[0], 1, 255, "kernel height");
  c.inRange(a[1], 1, 255, "kernel width");
  const g = geometry(c, x, a[0], a[1], a[2], a[3], a[4], x.shape[2]);
  c.shape(y, [g.outH, g.outW, g.outC], "output");
  p.conv = g;
  p.clamp = c.clampParams(a[5], a[6], y);
  p.macs = g.outH * g.outW * g.outC * g.kH * g.kW;
}

function prepareGlobalPool(c: Ctx, p: PreparedOp): void {
  c.counts(1, 1, 2);
  const x = c.t(0);
  const y = c.out();
  c.intAct(x, "input");
  c.rank(x, 3, "input");
  if (y.dtype !== x.dtype) c.fail("output dtype differs from input");
  c.shape(y, [x.shape[2]], "output");
  p.n = x.shape[0];
  p.m = x.shape[1];
  p.ch = x.shape[2];
  p.clamp = c.clampParams(c.op.attrs[0], c.op.attrs[1], y);
  p.macs = numel(x.shape);
}

function prepareAdd(c: Ctx, p: PreparedOp): void {
  c.counts(2, 1, 12);
  const a = c.t(0);
  const b = c.t(1);
  const y = c.out();
  const t = c.op.attrs;
  c.intAct(a, "input a");
  c.intAct(b, "input b");
  c.intAct(y, "output");
  c.shape(b, a.shape, "input b");
  c.shape(y, a.shape, "output");
  c.zp(t[0], a, "input a zero point");
  c.zp(t[1], b, "input b zero point");
  c.zp(t[2], y, "output zero point");
  c.inRange(t[3], 0, 24, "left shift");
  for (let k = 4; k <= 8; k += 2) {
    c.inRange(t[k], 1 - MULT_LIMIT, MULT_LIMIT - 1, "multiplier");
    c.inRange(t[k + 1], SHIFT_MIN, SHIFT_MAX, "shift");
  }
  const cl = c.clampParams(t[10], t[11], y);
  const ra = dtypeRange(a.dtype);
  const rb = dtypeRange(b.dtype);
  const span = Math.max(ra[1] - ra[0], rb[1] - rb[0]);
  // Each rescaled input is at most |x| * 2^shift * |mult| / 2^shift' ; bound the sum crudely.
  if (span * pow2Table(t[3]) * 2 >= ACC_LIMIT)
    c.fail("left shift makes the accumulator exceed 2^36");
  const n = numel(a.shape);
  p.add = {
    n,
    aZp: t[0],
    bZp: t[1],
    outZp: t[2],
    leftShift: t[3],
    aMult: t[4],
    aShift: t[5],
    bMult: t[6],
    bShift: t[7],
    outMult: t[8],
    outShift: t[9],
    actMin: cl.actMin,
    actMax: cl.actMax,
  };
  p.macs = n;
}

function prepareBinarize(c: Ctx, p: PreparedOp): void {
  c.counts(3, 1, 0);
  const x = c.t(0);
  const y = c.out();
  c.intAct(x, "input");
  if (x.shape.length < 1) c.fail("input must have rank >= 1");
  const ch = x.shape[x.shape.length - 1];
  c.thresholds(1, ch);
  c.binAct(y, "output");
  c.shape(y, x.shape, "output");
  p.n = Math.floor(numel(x.shape) / ch);
  p.m = ch;
  p.macs = numel(x.shape);
}

function prepareBinaryConv(c: Ctx, p: PreparedOp, intOut: boolean): void {
  c.counts(intOut ? 5 : 4, 1, intOut ? 6 : 3);
  const x = c.t(0);
  const w = c.t(1);
  const y = c.out();
  const a = c.op.attrs;
  c.binAct(x, "input");
  c.rank(x, 3, "input");
  c.constant(1, DT_BIN, "weights");
  c.rank(w, 4, "weights");
  if (w.shape[3] !== x.shape[2])
    c.fail(`weights have ${w.shape[3]} input channels, input has ${x.shape[2]}`);
  const outC = w.shape[0];
  const g = geometry(c, x, w.shape[1], w.shape[2], a[0], a[1], a[2], outC);
  if (intOut) {
    c.requantVectors(2, outC);
    c.intAct(y, "output");
    c.zp(a[3], y, "output zero point");
    const cl = c.clampParams(a[4], a[5], y);
    // |dot| <= taps; no zero point on binary inputs.
    c.accBound(1, g.kH * g.kW * g.inC, 1, 2);
    p.requant = { inZp: 0, outZp: a[3], actMin: cl.actMin, actMax: cl.actMax };
  } else {
    c.thresholds(2, outC);
    c.binAct(y, "output");
  }
  c.shape(y, [g.outH, g.outW, outC], "output");
  p.conv = g;
  p.macs = g.outH * g.outW * outC * g.kH * g.kW * g.inC;
}

function prepareBinaryDense(c: Ctx, p: PreparedOp, intOut: boolean): void {
  c.counts(intOut ? 5 : 4, 1, intOut ? 3 : 0);
  const x = c.t(0);
  const w = c.t(1);
  const y = c.out();
  c.binAct(x, "input");
  c.constant(1, DT_BIN, "weights");
  c.rank(w, 2, "weights");
  const outN = w.shape[0];
  const inN = w.shape[1];
  const last = x.shape.length > 0 ? x.shape[x.shape.length - 1] : 1;
  if (numel(x.shape) !== inN) c.fail(`input has ${numel(x.shape)} elements, weights expect ${inN}`);
  if (x.shape.length > 1 && last % 32 !== 0) {
    c.fail(`a binary dense input of rank > 1 needs its last axis a multiple of 32 (has ${last})`);
  }
  if (intOut) {
    c.requantVectors(2, outN);
    c.intAct(y, "output");
    const a = c.op.attrs;
    c.zp(a[0], y, "output zero point");
    const cl = c.clampParams(a[1], a[2], y);
    c.accBound(1, inN, 1, 2);
    p.requant = { inZp: 0, outZp: a[0], actMin: cl.actMin, actMax: cl.actMax };
  } else {
    c.thresholds(2, outN);
    c.binAct(y, "output");
  }
  c.shape(y, [outN], "output");
  p.dense = { inN, outN };
  p.macs = inN * outN;
}

function prepareSoftmax(c: Ctx, p: PreparedOp): void {
  c.counts(2, 1, 0);
  const x = c.t(0);
  const y = c.out();
  c.intAct(x, "input");
  const n = numel(x.shape);
  c.inRange(n, 1, MAX_SOFTMAX, "logit count");
  const lut = c.constant(1, DT_INT32, "table");
  c.rank(c.t(1), 1, "table");
  for (let i = 0; i < lut.length; i++) c.inRange(lut[i], 0, LUT_ONE, "table entry");
  if (y.dtype !== DT_INT32) c.fail("output must be int32 (Q15 probabilities)");
  c.shape(y, [n], "output");
  p.n = n;
  p.macs = n;
}

function prepareQuantize(c: Ctx, p: PreparedOp): void {
  c.counts(1, 1, 0);
  const x = c.t(0);
  const y = c.out();
  if (x.dtype !== DT_FLOAT32) c.fail("input must be float32");
  c.intAct(y, "output");
  c.shape(y, x.shape, "output");
  const s = y.scales.length > 0 ? y.scales[0] : 0;
  if (!(s > 0 && s < 1 / 0)) c.fail(`output scale ${s} must be positive and finite`);
  c.zp(y.zeroPoint, y, "output zero point");
  const r = dtypeRange(y.dtype);
  p.quantize = { n: numel(x.shape), scale: s, zeroPoint: y.zeroPoint, actMin: r[0], actMax: r[1] };
  p.macs = numel(x.shape);
}

/**
 * Validates the graph of a parsed model and prepares each op. `opAt`/`tensorAt` are byte
 * offsets for error messages (empty when the model did not come from bytes).
 */
export function prepareModel(
  model: DeviceModel,
  tensorAt?: number[],
  opAt?: number[],
  ioAt?: number,
): PreparedOp[] {
  const nT = model.tensors.length;
  const where = (arr: number[] | undefined, i: number): number =>
    arr !== undefined && i < arr.length ? arr[i] : -1;
  const io = ioAt === undefined ? -1 : ioAt;
  if (model.input < 0 || model.input >= nT || model.output < 0 || model.output >= nT) {
    throw new ModelFormatError("graph input/output index out of range", io);
  }
  const inT = model.tensors[model.input];
  if (inT.dtype !== DT_FLOAT32 || inT.data !== null) {
    throw new ModelFormatError(
      `graph input "${inT.name}" must be a float32 tensor without data`,
      io,
    );
  }
  const ready: boolean[] = [];
  for (let i = 0; i < nT; i++) {
    const t = model.tensors[i];
    if (t.dtype === DT_FLOAT32 && i !== model.input) {
      throw new ModelFormatError(
        `tensor ${i} "${t.name}": float32 only allowed for the graph input`,
        where(tensorAt, i),
      );
    }
    if (t.shape.length === 0)
      throw new ModelFormatError(`tensor ${i} "${t.name}": rank 0`, where(tensorAt, i));
    ready.push(t.data !== null || i === model.input);
  }
  if (model.ops.length === 0) throw new ModelFormatError("model has no ops", io);
  const out: PreparedOp[] = [];
  for (let i = 0; i < model.ops.length; i++) {
    const op = model.ops[i];
    const c = new Ctx(model, op, i, where(opAt, i));
    const p = blank(i, op);
    for (let k = 0; k < op.inputs.length; k++) {
      const t = op.inputs[k];
      if (t < 0 || t >= nT) c.fail(`tensor index ${t} out of range`);
      if (!ready[t])
        c.fail(`input tensor ${t} "${model.tensors[t].name}" is used before it is computed`);
    }
    if (op.outputs.length !== 1) c.fail(`expects 1 output, has ${op.outputs.length}`);
    const o = op.outputs[0];
    if (o < 0 || o >= nT) c.fail(`tensor index ${o} out of range`);
    if (ready[o])
      c.fail(
        `output tensor ${o} "${model.tensors[o].name}" is a constant, the input, or computed twice`,
      );
    const code = op.code;
    if (code === OP_QUANTIZE) prepareQuantize(c, p);
    else if (code === OP_CONV2D) prepareConv(c, p, false);
    else if (code === OP_DEPTHWISE_CONV2D) prepareConv(c, p, true);
    else if (code === OP_DENSE) prepareDense(c, p);
    else if (code === OP_AVG_POOL2D || code === OP_MAX_POOL2D) preparePool(c, p);
    else if (code === OP_GLOBAL_AVG_POOL) prepareGlobalPool(c, p);
    else if (code === OP_ADD) prepareAdd(c, p);
    else if (code === OP_BINARIZE) prepareBinarize(c, p);
    else if (code === OP_BCONV2D) prepareBinaryConv(c, p, false);
    else if (code === OP_BCONV2D_INT) prepareBinaryConv(c, p, true);
    else if (code === OP_BDENSE) prepareBinaryDense(c, p, false);
    else if (code === OP_BDENSE_INT) prepareBinaryDense(c, p, true);
    else if (code === OP_SOFTMAX) prepareSoftmax(c, p);
    else c.fail(`unknown op code ${code}`);
    ready[o] = true;
    out.push(p);
  }
  if (!ready[model.output] || model.tensors[model.output].data !== null) {
    throw new ModelFormatError(`graph output tensor ${model.output} is not computed by any op`, io);
  }
  return out;
}
