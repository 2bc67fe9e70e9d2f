/**
 * Device profile (device/tools/build.ts): shared/model-format/prepare-checks.ts for models the
 * host validated in full before sending them. It keeps the structural checks the kernels' loops
 * depend on (operand counts, ranks, constants present, attribute ranges, strides, a window that
 * fits its input), so a damaged file still fails cleanly or runs without reading out of bounds
 * (typed-array views and the C hosts' length checks bound every access); it drops the checks
 * that only guard the numbers (dtypes, exact shapes, requantization and accumulator ranges).
 */
import type { OpSpec } from "../../../../shared/kernels/ops";
import { opName } from "../../../../shared/kernels/ops";
import { axisPadding, planAxis } from "../../../../shared/kernels/padding";
import type { ClampParams, ConvGeometry } from "../../../../shared/kernels/types";
import { ModelFormatError } from "../../../../shared/model-format/errors";
import type { DeviceModel, DeviceOp, DeviceTensor } from "../../../../shared/model-format/types";

export const ACC_LIMIT = 68719476736; // 2^36, as the full checks

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
    if (o.inputs.length !== nIn || o.outputs.length !== nOut || o.attrs.length !== nAttr)
      this.fail("operand count");
  }

  intAct(_t: DeviceTensor, _what: string): void {}

  binAct(_t: DeviceTensor, _what: string): void {}

  rank(t: DeviceTensor, r: number, what: string): void {
    if (t.shape.length !== r) this.fail(`${what} rank`);
  }

  shape(_t: DeviceTensor, _want: number[], _what: string): void {}

  constant(k: number, _dtype: number, what: string): number[] {
    const d = this.t(k).data;
    if (d === null) this.fail(`${what} must be a constant`);
    return d as number[];
  }

  vector(k: number, _n: number, what: string): number[] {
    return this.constant(k, 0, what);
  }

  inRange(v: number, lo: number, hi: number, what: string): void {
    if (!(v >= lo && v <= hi)) this.fail(`${what} ${v} outside [${lo}, ${hi}]`);
  }

  requantVectors(bias: number, _n: number): void {
    this.constant(bias, 0, "bias");
    this.constant(bias + 1, 0, "multiplier");
    this.constant(bias + 2, 0, "shift");
  }

  thresholds(k: number, _n: number): void {
    this.constant(k, 0, "threshold");
    this.constant(k + 1, 0, "direction");
  }

  zp(_v: number, _t: DeviceTensor, _what: string): void {}

  clampParams(lo: number, hi: number, _t: DeviceTensor): ClampParams {
    return { actMin: lo, actMax: hi };
  }

  xMax(_x: DeviceTensor, _zp: number): number {
    return 0;
  }

  accBound(_xMax: number, _taps: number, _wMax: number, _biasK: number): void {}

  strides(a: number, b: number): void {
    this.inRange(a, 1, 255, "stride");
    this.inRange(b, 1, 255, "stride");
  }
}

export function maxAbs(_d: number[]): number {
  return 0;
}

/** As the full checks' geometry: strides, padding and a window that fits its input. */
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
  c.inRange(pad, 0, 2, "padding");
  const h = planAxis(x.shape[0], kH, sH, axisPadding(pad, 0));
  const w = planAxis(x.shape[1], kW, sW, axisPadding(pad, 1));
  if (h.out < 1 || w.out < 1) c.fail("kernel does not fit its input");
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
