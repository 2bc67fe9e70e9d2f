/**
 * The checks op preparers make on their operands (counts, dtypes, shapes, constant data,
 * attribute ranges, accumulator bounds), each failing with one `ModelFormatError` that names the
 * op, and the window geometry they share.
 */
import type { OpSpec } from "../kernels/ops";
import { opName } from "../kernels/ops";
import { axisPadding, planAxis } from "../kernels/padding";
import type { ClampParams, ConvGeometry } from "../kernels/types";
import { MULT_LIMIT, SHIFT_MAX, SHIFT_MIN } from "../quant/rescale";
import { ModelFormatError } from "./errors";
import { dtypeRange } from "./layout";
import type { DeviceModel, DeviceOp, DeviceTensor } from "./types";
import { DT_BIN, DT_INT8, DT_INT16, DT_INT32, DT_UINT8 } from "./types";

/** Accumulators must stay below this so rescale is exact (shared/quant/rescale.ts). */
export const ACC_LIMIT = 68719476736; // 2^36

export class Ctx {
  constructor(
    readonly model: DeviceModel,
    readonly op: DeviceOp,
    readonly spec: OpSpec | null,
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

export function maxAbs(d: number[]): number {
  let m = 0;
  for (let i = 0; i < d.length; i++) if (Math.abs(d[i]) > m) m = Math.abs(d[i]);
  return m;
}

/** Geometry of a window op from input [H,W,C], kernel, strides, padding; output channels. */
export function geometry(
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
  if (pad !== 0 && pad !== 1 && pad !== 2)
    c.fail(`padding ${pad} is not 0 (valid), 1 (same) or 2 (valid along H, same along W)`);
  const h = planAxis(x.shape[0], kH, sH, axisPadding(pad, 0));
  const w = planAxis(x.shape[1], kW, sW, axisPadding(pad, 1));
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
