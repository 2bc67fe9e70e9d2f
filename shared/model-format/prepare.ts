/**
 * Graph validation and per-op preparation: checks the graph (indices, order, the input and
 * output) and has each op's preparer (prepare-ops.ts) check its operands and derive its kernel
 * parameters once, at load. After `prepareModel` succeeds, running the ops with shared/kernels
 * cannot index out of range or leave the exact-integer domain.
 */
import { type KernelParam, type OpSpec, opSpec } from "../kernels/ops";
import { ModelFormatError } from "./errors";
import { Ctx } from "./prepare-checks";
import { PREPARERS } from "./prepare-ops";
import type { DeviceModel } from "./types";
import { DT_FLOAT32 } from "./types";

export { type KernelParam, opName } from "../kernels/ops";

/** A decoded model with its prepared ops (decode once, run many). */
export interface PreparedModel {
  model: DeviceModel;
  ops: PreparedOp[];
}

/** One op, checked, with what its kernel call needs. */
export interface PreparedOp {
  index: number;
  code: number;
  /** The op's row in the op table. */
  spec: OpSpec;
  inputs: number[];
  outputs: number[];
  /** The kernel's parameters after the tensors, in its argument order (kinds: spec.params). */
  params: KernelParam[];
  /** Multiply-accumulates (binary ops: ±1 MACs) for reports. */
  macs: number;
  /** The whole kernel argument list: tensor slots (filled by runOp), params, output slot. */
  args: unknown[];
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
    const spec = opSpec(op.code);
    const c: Ctx = new Ctx(model, op, spec, i, where(opAt, i));
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
    if (spec === null) c.fail(`unknown op code ${op.code}`);
    c.counts(spec.inputs.length, 1, spec.attrs);
    const prepared = PREPARERS[spec.kernel](c);
    // The kernel's argument list, parameters in place; runOp fills the tensor slots per call.
    // Placeholders are 0, never null: a Lua table with nil holes has no reliable length.
    const args: unknown[] = [];
    for (let k = 0; k < op.inputs.length; k++) args.push(0);
    for (let k = 0; k < prepared.params.length; k++) args.push(prepared.params[k]);
    args.push(0);
    out.push({
      index: i,
      code: op.code,
      spec,
      inputs: op.inputs,
      outputs: op.outputs,
      params: prepared.params,
      macs: prepared.macs,
      args,
    });
    ready[o] = true;
  }
  if (!ready[model.output] || model.tensors[model.output].data !== null) {
    throw new ModelFormatError(`graph output tensor ${model.output} is not computed by any op`, io);
  }
  return out;
}
