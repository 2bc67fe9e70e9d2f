/**
 * A convolution whose output only a non-overlapping pool reads, run band by band: for each pool
 * output row, the conv computes just the rows that pool window covers (into a small band
 * buffer) and the pool reduces them at once. The conv's full output (res8's first layer: 98 x
 * 40 x 19 int8, 74 KB) never exists; the arena holds three band buffers instead. Bit-exact with
 * running the two ops whole: the same kernels see the same values, the band's geometry only
 * moves the window of input rows (rows outside it are the conv's own zero padding).
 */
import type { ConvGeometry, Kernels } from "../../shared/kernels/types";
import type { PreparedOp } from "../../shared/model-format/prepare";
import type { DeviceModel } from "../../shared/model-format/types";
import { fixedArgs, type TensorMemory } from "./memory";

type KernelFn = (...args: unknown[]) => void;

function copyGeometry(g: ConvGeometry): ConvGeometry {
  return {
    inH: g.inH,
    inW: g.inW,
    inC: g.inC,
    outH: g.outH,
    outW: g.outW,
    outC: g.outC,
    kH: g.kH,
    kW: g.kW,
    strideH: g.strideH,
    strideW: g.strideW,
    padTop: g.padTop,
    padLeft: g.padLeft,
  };
}

/** True when steps[k] (a conv) and steps[k + 1] (a pool over only its output) can run as bands. */
export function fusable(model: DeviceModel, steps: PreparedOp[], k: number): boolean {
  if (k + 1 >= steps.length) return false;
  const conv = steps[k];
  const pool = steps[k + 1];
  const ck = conv.spec.kernel;
  const pk = pool.spec.kernel;
  if (ck !== "conv2d" && ck !== "depthwiseConv2d") return false;
  if (pk !== "avgPool2d" && pk !== "maxPool2d") return false;
  const t = conv.outputs[0];
  if (pool.inputs[0] !== t || t === model.output) return false;
  for (let i = 0; i < steps.length; i++) {
    if (i === k + 1) continue;
    for (let j = 0; j < steps[i].inputs.length; j++) if (steps[i].inputs[j] === t) return false;
  }
  const pg = pool.params[0] as ConvGeometry;
  return pg.padTop === 0 && pg.strideH === pg.kH && pg.outH * pg.strideH <= pg.inH;
}

/** Element counts of the three band buffers: conv input rows, conv output rows, one pool row. */
export function bandSizes(conv: PreparedOp, pool: PreparedOp): number[] {
  const cg = conv.params[0] as ConvGeometry;
  const pg = pool.params[0] as ConvGeometry;
  const inRows = (pg.kH - 1) * cg.strideH + cg.kH;
  return [inRows * cg.inW * cg.inC, pg.kH * cg.outW * cg.outC, pg.outW * pg.outC];
}

export class ConvPoolBand {
  private readonly convFn: KernelFn;
  private readonly poolFn: KernelFn;
  private readonly convKernel: string;
  private readonly poolKernel: string;
  /** Where the conv's argument list has its geometry (after its tensor inputs). */
  private readonly geomAt: number;
  private readonly convArgs: unknown[];
  private readonly poolArgs: unknown[];
  /** The band's conv geometry: inH and padTop change per band, the rest is the conv's. */
  private readonly cg: ConvGeometry;
  private readonly full: ConvGeometry;
  /** Conv rows per band (the pool's height) and bands (the pool's output rows). */
  private readonly rows: number;
  private readonly outRows: number;
  /** Per band: its first input row, its input rows, and the conv's padding above them. */
  private readonly bandFirst: number[];
  private readonly bandRows: number[];
  private readonly bandPad: number[];
  private readonly input: number[];
  private readonly output: number[];
  private readonly bandIn: number[];
  private readonly poolRow: number[];

  /** `bands`: the buffers bandSizes() sized; `values`: every tensor's array (interpreter). */
  constructor(
    k: Kernels,
    conv: PreparedOp,
    pool: PreparedOp,
    values: number[][],
    bands: number[][],
  ) {
    this.convFn = k[conv.spec.kernel] as unknown as KernelFn;
    this.poolFn = k[pool.spec.kernel] as unknown as KernelFn;
    this.convKernel = conv.spec.kernel;
    this.poolKernel = pool.spec.kernel;
    this.geomAt = conv.inputs.length;
    this.full = conv.params[0] as ConvGeometry;
    const pg = copyGeometry(pool.params[0] as ConvGeometry);
    this.rows = pg.kH;
    pg.inH = pg.kH;
    pg.outH = 1;
    this.cg = copyGeometry(this.full);
    this.cg.outH = this.rows;
    this.input = values[conv.inputs[0]];
    this.output = values[pool.outputs[0]];
    this.bandIn = bands[0];
    this.poolRow = bands[2];
    const ca: unknown[] = [bands[0]];
    for (let i = 1; i < conv.inputs.length; i++) ca.push(values[conv.inputs[i]]);
    ca.push(this.cg);
    for (let i = 1; i < conv.params.length; i++) ca.push(conv.params[i]);
    ca.push(bands[1]);
    this.convArgs = ca;
    const pa: unknown[] = [bands[1], pg];
    for (let i = 1; i < pool.params.length; i++) pa.push(pool.params[i]);
    pa.push(bands[2]);
    this.poolArgs = pa;
    this.outRows = (pool.params[0] as ConvGeometry).outH;
    // Conv output rows [r0, r0 + rows) of band j read input rows [a, b]; those outside the
    // input stay outside the band too, so the kernel pads them exactly as it pads the whole
    // tensor. Fixed per band: found once here for run() and record().
    const f = this.full;
    this.bandFirst = [];
    this.bandRows = [];
    this.bandPad = [];
    for (let j = 0; j < this.outRows; j++) {
      const a = j * this.rows * f.strideH - f.padTop;
      const b = a + (this.rows - 1) * f.strideH + f.kH - 1;
      const s = a > 0 ? a : 0;
      const e = b < f.inH - 1 ? b : f.inH - 1;
      this.bandFirst.push(s);
      this.bandRows.push(e - s + 1);
      this.bandPad.push(s - a);
    }
  }

  /**
   * Appends what run() calls, band by band, as a fixed sequence (TensorMemory.program): each
   * band's conv gets a geometry of its own (bands alike share one), every parameter fixed.
   */
  record(memory: TensorMemory, names: string[], lists: unknown[][]): void {
    const f = this.full;
    const rowLen = f.inW * f.inC;
    const outLen = this.poolRow.length;
    const pool = fixedArgs(memory, this.poolKernel, this.poolArgs, 1);
    const convFixed = fixedArgs(memory, this.convKernel, this.convArgs, this.geomAt);
    const seen: ConvGeometry[] = [];
    // Each distinct band's conv argument list, shared by the bands alike.
    const convLists: unknown[][] = [];
    for (let j = 0; j < this.outRows; j++) {
      const s = this.bandFirst[j];
      const n = this.bandRows[j];
      let g = -1;
      for (let i = 0; i < seen.length; i++)
        if (seen[i].inH === n && seen[i].padTop === this.bandPad[j]) g = i;
      if (g < 0) {
        const band = copyGeometry(this.cg);
        band.inH = n;
        band.padTop = this.bandPad[j];
        seen.push(band);
        const conv = convFixed.slice(0);
        conv[this.geomAt] = memory.fixParams(this.convKernel, band);
        convLists.push(conv);
        g = seen.length - 1;
      }
      names.push("copy", this.convKernel, this.poolKernel, "copy");
      lists.push([this.input, s * rowLen, this.bandIn, 0, n * rowLen], convLists[g], pool, [
        this.poolRow,
        0,
        this.output,
        j * outLen,
        outLen,
      ]);
    }
  }

  run(k: Kernels, memory: TensorMemory): void {
    const f = this.full;
    const cg = this.cg;
    const rowLen = f.inW * f.inC;
    const outLen = this.poolRow.length;
    const first = this.bandFirst;
    const rows = this.bandRows;
    const pad = this.bandPad;
    for (let j = 0; j < this.outRows; j++) {
      memory.copy(this.input, first[j] * rowLen, this.bandIn, 0, rows[j] * rowLen);
      cg.inH = rows[j];
      cg.padTop = pad[j];
      this.convFn.apply(k, this.convArgs);
      this.poolFn.apply(k, this.poolArgs);
      memory.copy(this.poolRow, 0, this.output, j * outLen, outLen);
    }
  }
}
