/**
 * The op table: the one list of ops. Each row gives the op's code in the model format, its
 * kernel (a `Kernels` method, whose snake_case form is the op's name in reports and errors),
 * and the kinds of the kernel's arguments. Every kernel is called as
 *
 *   kernel(...input tensors in the op's order, ...params, output array)
 *
 * so the model-format codes, `opName`, the prepare dispatch, `runOp`, the intrinsics registry,
 * the kernel-call text protocol, the wasm marshallers and probe all derive from these rows; the
 * C hosts' registrations are checked against them by test/kernels/op-table.test.ts. Adding an op
 * is one row here plus its kernels (types.ts signature, reference, wasm, C) and its preparer in
 * shared/model-format/prepare-ops.ts. Codes are part of the file format: never reuse one.
 *
 * Portable device code (ES5 and Lua): plain arrays and loops only.
 */
import type {
  AddParams,
  ClampParams,
  ConvGeometry,
  DenseShape,
  Kernels,
  QuantizeParams,
  RequantParams,
} from "./types";

export type KernelName = keyof Kernels;

/**
 * What one kernel argument is. Tensors: `ints` (integer values, or packed bits for binary
 * tensors), `floats` (float features), `table` (an int32 constant whose length the kernel
 * reads). Parameters (prepared at load): `geom` ConvGeometry, `requant` RequantParams, `clamp`
 * ClampParams, `dense` DenseShape, `add` AddParams, `quantize` QuantizeParams, `count` a number.
 */
export type ArgKind =
  | "ints"
  | "floats"
  | "table"
  | "geom"
  | "requant"
  | "clamp"
  | "dense"
  | "add"
  | "quantize"
  | "count";

/** One prepared kernel parameter (its kind is in the op's row: `params`). */
export type KernelParam =
  | number
  | ConvGeometry
  | RequantParams
  | ClampParams
  | DenseShape
  | AddParams
  | QuantizeParams;

/** What an op's multiply-accumulates count as in reports. */
export type MacKind = "int" | "binary" | "none";

export interface OpSpec {
  code: number;
  kernel: KernelName;
  /** Kinds of the op's input tensors, in order (the kernel's first arguments). */
  inputs: ArgKind[];
  /** Kinds of the kernel's parameters after the tensors (the output array comes last). */
  params: ArgKind[];
  /** Number of int32 attributes the op carries in the model file. */
  attrs: number;
  macs: MacKind;
}

const I: ArgKind = "ints";

// biome-ignore format: one row per op reads as a table
export const OPS: OpSpec[] = [
  { code: 1, kernel: "quantize", inputs: ["floats"], params: ["quantize"], attrs: 0, macs: "none" },
  { code: 2, kernel: "conv2d", inputs: [I, I, I, I, I], params: ["geom", "requant"], attrs: 7, macs: "int" },
  { code: 3, kernel: "depthwiseConv2d", inputs: [I, I, I, I, I], params: ["geom", "requant"], attrs: 7, macs: "int" },
  { code: 4, kernel: "dense", inputs: [I, I, I, I, I], params: ["dense", "requant"], attrs: 4, macs: "int" },
  { code: 5, kernel: "avgPool2d", inputs: [I], params: ["geom", "clamp"], attrs: 7, macs: "none" },
  { code: 6, kernel: "maxPool2d", inputs: [I], params: ["geom", "clamp"], attrs: 7, macs: "none" },
  { code: 7, kernel: "globalAvgPool", inputs: [I], params: ["count", "count", "count", "clamp"], attrs: 2, macs: "none" },
  { code: 8, kernel: "add", inputs: [I, I], params: ["add"], attrs: 12, macs: "none" },
  { code: 9, kernel: "binarize", inputs: [I, I, I], params: ["count", "count"], attrs: 0, macs: "none" },
  { code: 10, kernel: "binaryConv2d", inputs: [I, I, I, I], params: ["geom"], attrs: 3, macs: "binary" },
  { code: 11, kernel: "binaryConv2dInt", inputs: [I, I, I, I, I], params: ["geom", "requant"], attrs: 6, macs: "binary" },
  { code: 12, kernel: "binaryDense", inputs: [I, I, I, I], params: ["dense"], attrs: 0, macs: "binary" },
  { code: 13, kernel: "binaryDenseInt", inputs: [I, I, I, I, I], params: ["dense", "requant"], attrs: 3, macs: "binary" },
  { code: 14, kernel: "softmax", inputs: [I, "table"], params: ["count"], attrs: 0, macs: "none" },
  { code: 15, kernel: "globalMaxPool", inputs: [I], params: ["count", "count", "count", "clamp"], attrs: 2, macs: "none" },
  { code: 16, kernel: "tflmRequantize", inputs: [I, I, I], params: ["count", "count", "requant"], attrs: 3, macs: "none" },
];

/** Every kernel of the interface, in table order. */
export const KERNEL_NAMES: KernelName[] = [];
for (let i = 0; i < OPS.length; i++) KERNEL_NAMES.push(OPS[i].kernel);

/** The row for a model-format op code, or null. */
export function opSpec(code: number): OpSpec | null {
  for (let i = 0; i < OPS.length; i++) if (OPS[i].code === code) return OPS[i];
  return null;
}

/** The row for a kernel name, or null. */
export function kernelSpec(kernel: string): OpSpec | null {
  for (let i = 0; i < OPS.length; i++) if (OPS[i].kernel === kernel) return OPS[i];
  return null;
}

/** The op code of a kernel (model-format constants are defined through this). */
export function opCode(kernel: KernelName): number {
  const s = kernelSpec(kernel);
  if (s === null) throw new Error(`op table: no op for kernel ${kernel}`);
  return s.code;
}

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";

/** `depthwiseConv2d` -> `depthwise_conv2d`. */
function snake(name: string): string {
  let out = "";
  for (let i = 0; i < name.length; i++) {
    const ch = name.charAt(i);
    const u = UPPER.indexOf(ch);
    out += u >= 0 ? `_${LOWER.charAt(u)}` : ch;
  }
  return out;
}

/** The op's name in reports and error messages (`conv2d`, `binary_dense_int`, ...). */
export function opName(code: number): string {
  const s = opSpec(code);
  return s === null ? `unknown(${code})` : snake(s.kernel);
}
