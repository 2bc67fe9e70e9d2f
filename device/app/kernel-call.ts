/**
 * One kernel call as text, so the golden kernel tables can run a kernel inside another engine
 * (the Duktape host's C natives, Lua): line 1 is the op name, then one line per argument,
 * "a n v0 v1 ..." (array), "o k0 v0 k1 v1 ..." (object of numbers) or "n v" (number). The last
 * argument is the output array; the result is "r n v0 v1 ...".
 */
import { kernelSpec } from "../../shared/kernels/ops";
import type { Kernels } from "../../shared/kernels/types";

/** Makes an engine array of n values (typed on engines with native kernels). */
export type ArrayMaker = (values: number[], isFloat: boolean) => number[];

function parseLine(line: string, makeArray: ArrayMaker, isFloat: boolean): unknown {
  const f = line.split(" ");
  if (f[0] === "n") return Number(f[1]);
  if (f[0] === "a") {
    const n = Number(f[1]);
    const v: number[] = [];
    for (let i = 0; i < n; i++) v.push(Number(f[2 + i]));
    return makeArray(v, isFloat);
  }
  const o: { [k: string]: number } = {};
  for (let i = 1; i + 1 < f.length; i += 2) o[f[i]] = Number(f[i + 1]);
  return o;
}

type KernelFn = (...args: unknown[]) => void;

/** Runs the call in `text` with `kernels`; returns the result line. */
export function runKernelCall(
  text: string,
  kernels: Kernels,
  makeArray: ArrayMaker,
  fmt: (x: number) => string,
): string {
  const lines = text.split("\n");
  const spec = kernelSpec(lines[0]);
  if (spec === null) throw new Error(`unknown kernel '${lines[0]}'`);
  const args: unknown[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].length === 0) continue;
    const n = args.length;
    args.push(
      parseLine(lines[i], makeArray, n < spec.inputs.length && spec.inputs[n] === "floats"),
    );
  }
  // Called as a method of the kernel set (TSTL passes it as `self`).
  const fn = kernels[spec.kernel] as unknown as KernelFn;
  fn.apply(kernels, args);
  const out = args[args.length - 1] as number[];
  let s = `r ${fmt(out.length)}`;
  for (let i = 0; i < out.length; i++) s = `${s} ${fmt(out[i])}`;
  return s;
}
