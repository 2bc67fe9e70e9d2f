/**
 * A device image's prepared ops (ES5 device code, beside image-read.ts): each op row's kernel
 * parameters as the host prepared them, in the form the interpreter binds. The whole-window
 * image bundle replays the image's run plan instead and never needs them.
 */
import { opSpec } from "../kernels/ops";
import type { PreparedOp } from "./prepare";
import type { DeviceModel } from "./types";

/** The prepared ops of `model`, from its image's op rows (readDeviceImage's `rows`). */
export function imagePreparedOps(model: DeviceModel, rows: unknown[]): PreparedOp[] {
  const prepared: PreparedOp[] = [];
  for (let i = 0; i < rows.length; i++) {
    const o = rows[i] as unknown[];
    const op = model.ops[i];
    const params = o[5] as PreparedOp["params"];
    // As prepareModel builds it: tensor slots (0, never null: see there), params, output slot.
    const args: unknown[] = [];
    for (let k = 0; k < op.inputs.length; k++) args.push(0);
    for (let k = 0; k < params.length; k++) args.push(params[k]);
    args.push(0);
    prepared.push({
      index: i,
      code: op.code,
      spec: opSpec(op.code) as NonNullable<ReturnType<typeof opSpec>>,
      inputs: op.inputs,
      outputs: op.outputs,
      params,
      macs: o[4] as number,
      args,
    });
  }
  return prepared;
}
