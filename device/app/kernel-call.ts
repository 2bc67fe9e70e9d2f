/**
 * One kernel call as text, so the golden kernel tables can run a kernel inside another engine
 * (the Duktape host's C natives, Lua): line 1 is the op name, then one line per argument,
 * "a n v0 v1 ..." (array), "o k0 v0 k1 v1 ..." (object of numbers) or "n v" (number). The last
 * argument is the output array; the result is "r n v0 v1 ...".
 */
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

/** Runs the call in `text` with `kernels`; returns the result line. */
export function runKernelCall(
  text: string,
  kernels: Kernels,
  makeArray: ArrayMaker,
  fmt: (x: number) => string,
): string {
  const lines = text.split("\n");
  const op = lines[0];
  const args: unknown[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].length === 0) continue;
    // Only quantize reads floats (its first argument).
    args.push(parseLine(lines[i], makeArray, op === "quantize" && args.length === 0));
  }
  const a = args as number[][];
  const k = kernels;
  // One call per op, so the kernel is called as a method on the kernel set (TSTL passes self).
  if (op === "conv2d") k.conv2d(a[0], a[1], a[2], a[3], a[4], a[5] as never, a[6] as never, a[7]);
  else if (op === "depthwiseConv2d")
    k.depthwiseConv2d(a[0], a[1], a[2], a[3], a[4], a[5] as never, a[6] as never, a[7]);
  else if (op === "dense")
    k.dense(a[0], a[1], a[2], a[3], a[4], a[5] as never, a[6] as never, a[7]);
  else if (op === "avgPool2d") k.avgPool2d(a[0], a[1] as never, a[2] as never, a[3]);
  else if (op === "maxPool2d") k.maxPool2d(a[0], a[1] as never, a[2] as never, a[3]);
  else if (op === "globalAvgPool")
    k.globalAvgPool(a[0], a[1] as never, a[2] as never, a[3] as never, a[4] as never, a[5]);
  else if (op === "add") k.add(a[0], a[1], a[2] as never, a[3]);
  else if (op === "binaryConv2d") k.binaryConv2d(a[0], a[1], a[2], a[3], a[4] as never, a[5]);
  else if (op === "binaryConv2dInt")
    k.binaryConv2dInt(a[0], a[1], a[2], a[3], a[4], a[5] as never, a[6] as never, a[7]);
  else if (op === "binaryDense") k.binaryDense(a[0], a[1], a[2], a[3], a[4] as never, a[5]);
  else if (op === "binaryDenseInt")
    k.binaryDenseInt(a[0], a[1], a[2], a[3], a[4], a[5] as never, a[6] as never, a[7]);
  else if (op === "binarize") k.binarize(a[0], a[1], a[2], a[3] as never, a[4] as never, a[5]);
  else if (op === "quantize") k.quantize(a[0], a[1] as never, a[2]);
  else if (op === "softmax") k.softmax(a[0], a[1], a[2] as never, a[3]);
  else throw new Error(`unknown kernel '${op}'`);
  const out = a[a.length - 1];
  let s = `r ${fmt(out.length)}`;
  for (let i = 0; i < out.length; i++) s = `${s} ${fmt(out[i])}`;
  return s;
}
