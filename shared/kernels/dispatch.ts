/**
 * Runs one prepared op with a kernel set: the single place where ops meet kernels, shared by
 * the host's integer evaluator and the device runtime. `values[t]` is the flat array of tensor
 * t: constant data, the graph input, or an activation buffer of the exact stored size (elements,
 * or packed words for binary tensors). Every kernel takes (input tensors, params, output) as the
 * op table says, so one call serves every op. No allocation: the argument list is prepared.
 */
import type { PreparedOp } from "../model-format/prepare";
import type { Kernels } from "./types";

type KernelFn = (...args: unknown[]) => void;

export function runOp(k: Kernels, p: PreparedOp, values: number[][]): void {
  const args = p.args;
  const n = p.inputs.length;
  for (let j = 0; j < n; j++) args[j] = values[p.inputs[j]];
  args[args.length - 1] = values[p.outputs[0]];
  // Called as a method of the kernel set (TSTL passes it as `self`).
  const fn = k[p.spec.kernel] as unknown as KernelFn;
  fn.apply(k, args);
}

/** One op's kernel and its whole argument list, tensors in place: a runner whose tensor arrays
 * never change binds each op once and then calls it without refilling (what an interpreter
 * such as Espruino's, which re-reads the source of every loop it runs, pays for per op). */
export interface BoundOp {
  fn: KernelFn;
  /** What the function is called on: the kernel set for an op. */
  self: unknown;
  args: unknown[];
}

/** Binds op p to `values` (its own argument list: p.args stays the template). */
export function bindOp(k: Kernels, p: PreparedOp, values: number[][]): BoundOp {
  const args = p.args.slice(0);
  const n = p.inputs.length;
  for (let j = 0; j < n; j++) args[j] = values[p.inputs[j]];
  args[args.length - 1] = values[p.outputs[0]];
  return { fn: k[p.spec.kernel] as unknown as KernelFn, self: k, args };
}

export function runBound(b: BoundOp): void {
  b.fn.apply(b.self, b.args);
}
