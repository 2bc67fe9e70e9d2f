/**
 * Streaming inference (issue 12; microWakeWord's streaming mode): a model whose layers are
 * causal along time runs each stride on the new rows only, keeping the rows it still needs
 * between strides, and gives the integers the whole-window run gives.
 *
 * Rows are the time axis (H) of every [H, W, C] activation. A "row tensor" slides with the
 * input: each stride adds `perStride` rows at its end and drops as many at its start. It
 * streams when every op that reads it is
 * - a window op (conv, depthwise conv, average/max pool) with no padding along time (VALID or
 *   PAD_VALID_H_SAME_W) whose time stride divides the rows per stride, and whose last window
 *   ends on the tensor's last row: its `perStride / strideH` new output rows read only the last
 *   `need = (new rows - 1) * strideH + kH` input rows;
 * - an add of two row tensors with the same rows per stride (reads only the new rows);
 * - a "head" op (global pool, dense, softmax, ...), which reads the whole tensor and reruns
 *   every stride, as does everything after it.
 * A tensor's last rows may go unused (a pool that floors leaves them; the conv before it and the
 * input then leave as many): its new rows are then the ones that end before them, and every
 * reader of a tensor must leave the same rows.
 *
 * State: per (tensor, reader that needs more rows than a stride brings) a window buffer of its
 * last `need` rows, shifted and appended each stride (two block copies). Each window op's kernel
 * runs on its window with a geometry of `need` input rows and the new output rows; the same
 * kernels, taps and accumulators as the whole run, so the same bits. Every buffer is allocated
 * at construction; a stride allocates nothing.
 *
 * The first inference (and any after the stride changed) runs the whole window through the
 * interpreter and copies the rows each window needs out of its tensors as they are computed
 * (`prime`).
 */
import type { ConvGeometry, Kernels } from "../../shared/kernels/types";
import { ModelFormatError } from "../../shared/model-format/errors";
import { numel, storedCount } from "../../shared/model-format/layout";
import type { PreparedOp } from "../../shared/model-format/prepare";
import { type DeviceModel, DT_BIN } from "../../shared/model-format/types";
import type { Interpreter } from "./interpreter";
import { fixedArgs, type TensorMemory } from "./memory";
import type { FrameWindow } from "./stream/frame-window";

type KernelFn = (...args: unknown[]) => void;

function windowOp(kernel: string): boolean {
  return (
    kernel === "conv2d" ||
    kernel === "depthwiseConv2d" ||
    kernel === "avgPool2d" ||
    kernel === "maxPool2d"
  );
}

/** How each tensor streams, or why the model does not. */
export interface RowPlan {
  /** "" when the model streams; else the reason it does not. */
  problem: string;
  /** Per tensor: new rows per stride (0: not a row tensor). */
  perStride: number[];
  /** Per tensor: rows (H) and elements per row. */
  rows: number[];
  rowSize: number[];
  /** Per tensor: its last rows no reader needs (a pool that floors leaves some; 0 mostly). */
  tail: number[];
  /** Per op: rows of each input the op reads each stride (0: not a row input). */
  need: number[][];
  /** Per op: true when it runs on new rows only (a row op); false: a head op (op 0: neither). */
  rowOp: boolean[];
}

function refuse(plan: RowPlan, why: string): RowPlan {
  plan.problem = why;
  return plan;
}

/**
 * Whether a window op pads along time: such a model never streams, whatever the stride (the
 * hosts pick the device bundle without streaming inference for it: engines/device-bundle.ts).
 */
export function padsAlongTime(steps: PreparedOp[]): boolean {
  for (let k = 1; k < steps.length; k++) {
    if (windowOp(steps[k].spec.kernel) && (steps[k].params[0] as ConvGeometry).padTop !== 0)
      return true;
  }
  return false;
}

/**
 * Which tensors slide with the input, at `strideFrames` new frames per inference, and what each
 * op reads. Needs the device mode's graph: op 0 quantizes the float input.
 */
export function planRows(model: DeviceModel, steps: PreparedOp[], strideFrames: number): RowPlan {
  const nT = model.tensors.length;
  const plan: RowPlan = {
    problem: "",
    perStride: [],
    rows: [],
    rowSize: [],
    tail: [],
    need: [],
    rowOp: [],
  };
  // Padding along time anywhere: refused before allocating (a device heap near full, e.g.
  // Espruino's, keeps enough contiguous memory only when a model that cannot stream costs none).
  if (padsAlongTime(steps)) return refuse(plan, "pads along time");
  // Tails start "unread" (above any row count) and fall to the least any reader leaves.
  const unread = 1073741824;
  for (let t = 0; t < nT; t++) {
    plan.perStride.push(0);
    plan.rows.push(0);
    plan.rowSize.push(0);
    plan.tail.push(unread);
  }
  if (steps[0].spec.kernel !== "quantize") return refuse(plan, "no input quantize");
  const q = steps[0].outputs[0];
  const qShape = model.tensors[q].shape;
  if (strideFrames < 1 || strideFrames > qShape[0])
    return refuse(plan, "stride exceeds the window");
  plan.perStride[q] = strideFrames;
  plan.rows[q] = qShape[0];
  plan.rowSize[q] = numel(qShape) / qShape[0];
  plan.need.push([]);
  plan.rowOp.push(false);
  // Forward: rows per stride and what each op reads.
  for (let k = 1; k < steps.length; k++) {
    const op = steps[k];
    const kern = op.spec.kernel;
    const need: number[] = [];
    for (let j = 0; j < op.inputs.length; j++) need.push(0);
    plan.need.push(need);
    const x = op.inputs[0];
    const s = plan.perStride[x];
    const out = op.outputs[0];
    if (windowOp(kern) && s > 0) {
      const g = op.params[0] as ConvGeometry;
      if (g.padTop !== 0 || (g.outH - 1) * g.strideH + g.kH > g.inH)
        return refuse(plan, "pads along time");
      if (s % g.strideH !== 0) return refuse(plan, "stride does not divide the rows");
      const sOut = s / g.strideH;
      const rows = (sOut - 1) * g.strideH + g.kH;
      if (rows < s || model.tensors[out].dtype === DT_BIN) return refuse(plan, "skips rows");
      need[0] = rows;
      plan.perStride[out] = sOut;
      plan.rows[out] = g.outH;
      plan.rowSize[out] = g.outW * g.outC;
      plan.rowOp.push(true);
      continue;
    }
    if (kern === "add" && (s > 0 || plan.perStride[op.inputs[1]] > 0)) {
      const b = op.inputs[1];
      if (s === 0 || plan.perStride[b] !== s || plan.rows[b] !== plan.rows[x])
        return refuse(plan, "unaligned add");
      need[0] = s;
      need[1] = s;
      plan.perStride[out] = s;
      plan.rows[out] = plan.rows[x];
      plan.rowSize[out] = plan.rowSize[x];
      plan.rowOp.push(true);
      continue;
    }
    // A head op: whole row tensors in, no rows out.
    for (let j = 0; j < op.inputs.length; j++) {
      const t = op.inputs[j];
      if (plan.perStride[t] > 0) need[j] = plan.rows[t];
    }
    plan.rowOp.push(false);
  }
  if (plan.perStride[model.output] > 0) return refuse(plan, "no head");
  // Backward: the last rows each reader leaves unused; every reader of a tensor must agree.
  const readerTail: number[][] = [];
  for (let k = 0; k < steps.length; k++) readerTail.push([]);
  for (let k = steps.length - 1; k >= 1; k--) {
    const op = steps[k];
    const out = op.outputs[0];
    const to = plan.tail[out] === unread ? 0 : plan.tail[out];
    plan.tail[out] = to;
    for (let j = 0; j < op.inputs.length; j++) {
      const t = op.inputs[j];
      let rt = 0;
      if (plan.rowOp[k] && op.spec.kernel !== "add") {
        const g = op.params[0] as ConvGeometry;
        if (g.outH - to < plan.perStride[out]) return refuse(plan, "too few rows");
        rt = g.inH - ((g.outH - 1 - to) * g.strideH + g.kH);
      } else if (plan.rowOp[k]) {
        rt = to;
      }
      readerTail[k].push(rt);
      if (plan.need[k][j] > 0 && rt < plan.tail[t]) plan.tail[t] = rt;
    }
  }
  for (let k = 1; k < steps.length; k++) {
    for (let j = 0; j < steps[k].inputs.length; j++) {
      const t = steps[k].inputs[j];
      if (plan.need[k][j] > 0 && readerTail[k][j] !== plan.tail[t])
        return refuse(plan, "unaligned reads");
    }
  }
  for (let t = 0; t < nT; t++) if (plan.tail[t] === unread) plan.tail[t] = 0;
  return plan;
}

export class IncrementalRunner {
  /** Frames per stride the state is kept for. */
  readonly strideFrames: number;
  /** Integer multiply-accumulates per stride (new rows plus the head). */
  readonly macsPerStride: number;
  /** The first frame (0 = oldest in the window) of the stride's new input rows. */
  readonly inputFirstFrame: number;
  private readonly plan: RowPlan;
  private readonly steps: PreparedOp[];
  private readonly memory: TensorMemory;
  /** Per tensor: its new rows of this stride (row tensors), or its whole array (head/constant). */
  private readonly fresh: number[][];
  /** Per tensor: its windows (the last rows one reader needs) and their elements. */
  private readonly windowsOf: number[][][];
  private readonly windowSize: number[][];
  /**
   * What a stride calls, in order: the row ops on their new rows, then the head ops, each with
   * its complete argument list (parameters fixed: TensorMemory.fixParams).
   */
  private readonly callFns: string[];
  private readonly callArgs: unknown[][];
  /** The functions of `callFns` in the kernel set `bound` (resolved by its first step). */
  private readonly calls: KernelFn[] = [];
  private bound: Kernels | null = null;
  /**
   * The window shifts, four entries each (window, its elements, the new rows, elements added):
   * the input's up to `shiftEnd[0]`, then after call r those up to `shiftEnd[r + 1]`.
   */
  private readonly shifts: (number | number[])[];
  private readonly shiftEnd: number[];
  /** The stride recorded as one host call (TensorMemory.program), or null. */
  private readonly program: (() => void) | null;
  /** Steps of that program (0: none; step() makes the calls). */
  readonly programSteps: number;
  private readonly q: number;
  /** The array the caller fills with each stride's new quantized input rows. */
  readonly input: number[];
  /** The scores of the last `step`. */
  readonly scores: number[];

  /**
   * `plan`: a planRows() result without a problem; `it`: the interpreter (constants, priming).
   * Every tensor a window starts from is whole in the interpreter: the device mode's fused conv
   * + pool leaves out only the conv's output, which its pool (window = stride) reads new rows of.
   */
  constructor(
    model: DeviceModel,
    steps: PreparedOp[],
    plan: RowPlan,
    it: Interpreter,
    memory: TensorMemory,
  ) {
    if (plan.problem !== "") throw new ModelFormatError(plan.problem, -1);
    this.plan = plan;
    this.steps = steps;
    this.memory = memory;
    this.q = steps[0].outputs[0];
    this.strideFrames = plan.perStride[this.q];
    this.inputFirstFrame = plan.rows[this.q] - plan.tail[this.q] - this.strideFrames;
    const nT = model.tensors.length;
    this.fresh = [];
    this.windowsOf = [];
    this.windowSize = [];
    for (let t = 0; t < nT; t++) {
      this.windowsOf.push([]);
      this.windowSize.push([]);
      const s = plan.perStride[t];
      if (s > 0) this.fresh.push(memory.buffer(s * plan.rowSize[t], model.tensors[t].dtype));
      else this.fresh.push(it.tensor(t));
    }
    this.callFns = [];
    this.callArgs = [];
    const rowOut: number[] = [this.q];
    const heads: number[] = [];
    const headValues: number[][] = [];
    for (let t = 0; t < nT; t++) headValues.push(this.fresh[t]);
    let macs = 0;
    for (let k = 1; k < steps.length; k++) {
      const op = steps[k];
      const n = op.inputs.length;
      const args = op.args.slice(0);
      for (let j = 0; j < n; j++) args[j] = this.reader(model, op.inputs[j], plan.need[k][j]);
      const out = op.outputs[0];
      if (!plan.rowOp[k]) {
        heads.push(k);
        // A row tensor's window; other inputs keep their array: a head op's output buffer (so a
        // stride never touches the whole-window arena) or a constant.
        for (let j = 0; j < n; j++)
          if (plan.perStride[op.inputs[j]] > 0) headValues[op.inputs[j]] = args[j] as number[];
        const ot = model.tensors[out];
        headValues[out] = memory.buffer(storedCount(ot.dtype, ot.shape), ot.dtype);
        if (op.spec.macs === "int") macs += op.macs;
        continue;
      }
      const sOut = plan.perStride[out];
      const p = copyParams(op.params[0] as unknown as Record<string, number>);
      if (op.spec.kernel === "add") p.n = sOut * plan.rowSize[out];
      else {
        p.inH = plan.need[k][0];
        p.outH = sOut;
      }
      args[n] = p;
      args[args.length - 1] = this.fresh[out];
      this.addCall(op.spec.kernel, args, n);
      rowOut.push(out);
      if (op.spec.macs === "int") macs += Math.floor(op.macs / plan.rows[out]) * sOut;
    }
    // Heads read whole tensors the loop above fixed: their argument lists are fixed too.
    for (let i = 0; i < heads.length; i++) {
      const op = steps[heads[i]];
      const args = op.args.slice(0);
      for (let j = 0; j < op.inputs.length; j++) args[j] = headValues[op.inputs[j]];
      args[args.length - 1] = headValues[op.outputs[0]];
      this.addCall(op.spec.kernel, args, op.inputs.length);
    }
    // Each row tensor's windows shift once its new rows are computed (the input's first).
    this.shifts = [];
    this.shiftEnd = [];
    for (let i = 0; i < rowOut.length; i++) {
      const t = rowOut[i];
      const ws = this.windowsOf[t];
      for (let j = 0; j < ws.length; j++)
        this.shifts.push(
          ws[j],
          this.windowSize[t][j],
          this.fresh[t],
          plan.perStride[t] * plan.rowSize[t],
        );
      this.shiftEnd.push(this.shifts.length);
    }
    while (this.shiftEnd.length <= this.callFns.length) this.shiftEnd.push(this.shifts.length);
    this.macsPerStride = macs;
    const names: string[] = [];
    this.program = this.record(names);
    this.programSteps = this.program !== null ? names.length : 0;
    this.input = this.fresh[this.q];
    this.scores = headValues[model.output];
  }

  /** The stride as one host program (TensorMemory.program), or null; `names` gets its steps. */
  private record(names: string[]): (() => void) | null {
    const lists: unknown[][] = [];
    const sh = this.shifts;
    let s = 0;
    for (let r = 0; r <= this.callFns.length; r++) {
      if (r > 0) {
        names.push(this.callFns[r - 1]);
        lists.push(this.callArgs[r - 1]);
      }
      for (; s < this.shiftEnd[r]; s += 4) {
        names.push("shift");
        lists.push([sh[s], sh[s + 1], sh[s + 2], sh[s + 3]]);
      }
    }
    return this.memory.program(names, lists);
  }

  /** Appends a kernel call, its parameters (between the tensors and the output) fixed. */
  private addCall(kernel: string, args: unknown[], tensors: number): void {
    this.callFns.push(kernel);
    this.callArgs.push(fixedArgs(this.memory, kernel, args, tensors));
  }

  /** What an op reads for tensor t: a window of `rows` rows, the new rows, or the array. */
  private reader(model: DeviceModel, t: number, rows: number): number[] {
    const plan = this.plan;
    // The new rows are all it reads (the caller's input rows already skip the unused frames).
    if (rows === 0 || rows === plan.perStride[t]) return this.fresh[t];
    const buf = this.memory.buffer(rows * plan.rowSize[t], model.tensors[t].dtype);
    this.windowsOf[t].push(buf);
    this.windowSize[t].push(rows * plan.rowSize[t]);
    return buf;
  }

  /**
   * Runs the model on the whole `window` with `it`, keeping from each tensor the rows its
   * windows need; returns the scores. Then `step` may follow.
   */
  prime(it: Interpreter, window: FrameWindow, _k: Kernels): number[] {
    window.copyTo(it.quantizedInput());
    this.fill(this.q, it.tensor(this.q));
    let i = 1;
    while (i < it.opCount()) {
      const next = it.invokeStep(i);
      for (let k = i; k < next; k++) {
        const t = this.steps[k].outputs[0];
        this.fill(t, it.tensor(t));
      }
      i = next;
    }
    return it.output();
  }

  /**
   * Fills tensor t's windows from its whole array `full` (priming).
   */
  private fill(t: number, full: number[]): void {
    const ws = this.windowsOf[t];
    const size = this.plan.rowSize[t];
    for (let i = 0; i < ws.length; i++) {
      const n = this.windowSize[t][i];
      const first = (this.plan.rows[t] - this.plan.tail[t]) * size - n;
      this.memory.copy(full, first, ws[i], 0, n);
    }
  }

  /**
   * One stride: the caller wrote `input`; computes the new rows, shifting each tensor's windows
   * after it, then the head. One flat loop, member reads hoisted: on an interpreter each
   * property read or function call costs about as much as a small kernel call's arithmetic.
   */
  step(k: Kernels): void {
    if (this.program !== null) {
      this.program();
      return;
    }
    const fns = this.callFns;
    const calls = this.calls;
    if (this.bound !== k) {
      this.bound = k;
      for (let r = 0; r < fns.length; r++)
        calls[r] = k[fns[r] as keyof Kernels] as unknown as KernelFn;
    }
    const mem = this.memory;
    const sh = this.shifts;
    const ends = this.shiftEnd;
    const args = this.callArgs;
    let s = 0;
    let end = ends[0];
    for (; s < end; s += 4)
      mem.shift(sh[s] as number[], sh[s + 1] as number, sh[s + 2] as number[], sh[s + 3] as number);
    for (let r = 0; r < fns.length; r++) {
      // Called as a method of the kernel set (TSTL passes it as `self`).
      calls[r].apply(k, args[r]);
      end = ends[r + 1];
      for (; s < end; s += 4)
        mem.shift(
          sh[s] as number[],
          sh[s + 1] as number,
          sh[s + 2] as number[],
          sh[s + 3] as number,
        );
    }
  }
}

/** A shallow copy of an op's parameters (a geometry or add params) to set row counts on. */
function copyParams<T>(p: T): T {
  const c = {} as Record<string, unknown>;
  const from = p as unknown as Record<string, unknown>;
  for (const key in from) c[key] = from[key];
  return c as unknown as T;
}
