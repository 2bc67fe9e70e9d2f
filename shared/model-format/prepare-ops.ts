/**
 * Per-op preparation: each preparer checks its op's operands and attributes (beyond the counts
 * the op table fixes) and returns the kernel's parameters in the kernel's argument order, plus
 * the op's multiply-accumulates. `PREPARERS` has one entry per kernel of the op table (the type
 * makes a missing one a compile error).
 */
import type { KernelName, KernelParam } from "../kernels/ops";
import type { AddParams, RequantParams } from "../kernels/types";
import { MULT_LIMIT, pow2Table, SHIFT_MAX, SHIFT_MIN } from "../quant/rescale";
import { dtypeRange, numel } from "./layout";
import { ACC_LIMIT, type Ctx, geometry, maxAbs } from "./prepare-checks";
import { DT_BIN, DT_FLOAT32, DT_INT8, DT_INT32 } from "./types";

const LUT_ONE = 1073741824; // 2^30
const MAX_SOFTMAX = 256;

/** What a preparer derives: the kernel's parameters (in order) and the op's MACs. */
export interface Prepared {
  params: KernelParam[];
  macs: number;
}

function prepareConv(c: Ctx, depthwise: boolean): Prepared {
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
  const requant: RequantParams = {
    inZp: a[3],
    outZp: a[4],
    actMin: cl.actMin,
    actMax: cl.actMax,
  };
  return { params: [g, requant], macs: g.outH * g.outW * outC * kH * kW * (depthwise ? 1 : g.inC) };
}

function prepareDense(c: Ctx): Prepared {
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
  const requant: RequantParams = {
    inZp: a[0],
    outZp: a[1],
    actMin: cl.actMin,
    actMax: cl.actMax,
  };
  return { params: [{ inN, outN }, requant], macs: inN * outN };
}

function preparePool(c: Ctx): Prepared {
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
  return {
    params: [g, c.clampParams(a[5], a[6], y)],
    macs: g.outH * g.outW * g.outC * g.kH * g.kW,
  };
}

function prepareGlobalPool(c: Ctx): Prepared {
  const x = c.t(0);
  const y = c.out();
  c.intAct(x, "input");
  c.rank(x, 3, "input");
  if (y.dtype !== x.dtype) c.fail("output dtype differs from input");
  c.shape(y, [x.shape[2]], "output");
  const clamp = c.clampParams(c.op.attrs[0], c.op.attrs[1], y);
  return { params: [x.shape[0], x.shape[1], x.shape[2], clamp], macs: numel(x.shape) };
}

function prepareAdd(c: Ctx): Prepared {
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
  const add: AddParams = {
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
  return { params: [add], macs: n };
}

function prepareBinarize(c: Ctx): Prepared {
  const x = c.t(0);
  const y = c.out();
  c.intAct(x, "input");
  if (x.shape.length < 1) c.fail("input must have rank >= 1");
  const ch = x.shape[x.shape.length - 1];
  c.thresholds(1, ch);
  c.binAct(y, "output");
  c.shape(y, x.shape, "output");
  return { params: [Math.floor(numel(x.shape) / ch), ch], macs: numel(x.shape) };
}

function prepareBinaryConv(c: Ctx, intOut: boolean): Prepared {
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
  const params: KernelParam[] = [g];
  if (intOut) {
    c.requantVectors(2, outC);
    c.intAct(y, "output");
    c.zp(a[3], y, "output zero point");
    const cl = c.clampParams(a[4], a[5], y);
    // |dot| <= taps; no zero point on binary inputs.
    c.accBound(1, g.kH * g.kW * g.inC, 1, 2);
    params.push({ inZp: 0, outZp: a[3], actMin: cl.actMin, actMax: cl.actMax });
  } else {
    c.thresholds(2, outC);
    c.binAct(y, "output");
  }
  c.shape(y, [g.outH, g.outW, outC], "output");
  return { params, macs: g.outH * g.outW * outC * g.kH * g.kW * g.inC };
}

function prepareBinaryDense(c: Ctx, intOut: boolean): Prepared {
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
  const params: KernelParam[] = [{ inN, outN }];
  if (intOut) {
    c.requantVectors(2, outN);
    c.intAct(y, "output");
    const a = c.op.attrs;
    c.zp(a[0], y, "output zero point");
    const cl = c.clampParams(a[1], a[2], y);
    c.accBound(1, inN, 1, 2);
    params.push({ inZp: 0, outZp: a[0], actMin: cl.actMin, actMax: cl.actMax });
  } else {
    c.thresholds(2, outN);
    c.binAct(y, "output");
  }
  c.shape(y, [outN], "output");
  return { params, macs: inN * outN };
}

function prepareSoftmax(c: Ctx): Prepared {
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
  return { params: [n], macs: n };
}

function prepareQuantize(c: Ctx): Prepared {
  const x = c.t(0);
  const y = c.out();
  if (x.dtype !== DT_FLOAT32) c.fail("input must be float32");
  c.intAct(y, "output");
  c.shape(y, x.shape, "output");
  const s = y.scales.length > 0 ? y.scales[0] : 0;
  if (!(s > 0 && s < 1 / 0)) c.fail(`output scale ${s} must be positive and finite`);
  c.zp(y.zeroPoint, y, "output zero point");
  const r = dtypeRange(y.dtype);
  const n = numel(x.shape);
  return { params: [{ n, scale: s, zeroPoint: y.zeroPoint, actMin: r[0], actMax: r[1] }], macs: n };
}

function prepareTflmRequantize(c: Ctx): Prepared {
  const x = c.t(0);
  const y = c.out();
  const a = c.op.attrs;
  if (x.dtype !== DT_INT32) c.fail("input must be int32 accumulators");
  if (x.shape.length < 1) c.fail("input must have rank >= 1");
  const ch = x.shape[x.shape.length - 1];
  const mult = c.vector(1, ch, "multiplier");
  const shift = c.vector(2, ch, "shift");
  for (let i = 0; i < ch; i++) {
    c.inRange(mult[i], 0, MULT_LIMIT - 1, "multiplier");
    // A left shift of up to 5 keeps |acc| * 2^left below 2^36 (acc is int32).
    c.inRange(shift[i], 26, SHIFT_MAX, "shift");
  }
  c.intAct(y, "output");
  c.shape(y, x.shape, "output");
  c.zp(a[0], y, "output zero point");
  const cl = c.clampParams(a[1], a[2], y);
  const n = numel(x.shape);
  return {
    params: [n, ch, { inZp: 0, outZp: a[0], actMin: cl.actMin, actMax: cl.actMax }],
    macs: n,
  };
}

export const PREPARERS: { [K in KernelName]: (c: Ctx) => Prepared } = {
  quantize: prepareQuantize,
  conv2d: (c) => prepareConv(c, false),
  depthwiseConv2d: (c) => prepareConv(c, true),
  dense: prepareDense,
  avgPool2d: preparePool,
  maxPool2d: preparePool,
  globalAvgPool: prepareGlobalPool,
  globalMaxPool: prepareGlobalPool,
  add: prepareAdd,
  binarize: prepareBinarize,
  binaryConv2d: (c) => prepareBinaryConv(c, false),
  binaryConv2dInt: (c) => prepareBinaryConv(c, true),
  binaryDense: (c) => prepareBinaryDense(c, false),
  binaryDenseInt: (c) => prepareBinaryDense(c, true),
  softmax: prepareSoftmax,
  tflmRequantize: prepareTflmRequantize,
};
