/**
 * Where the runtime's tensors live. The runtime asks a `TensorMemory` for every array it uses,
 * once, at init; nothing is allocated per inference.
 *
 * Engines with typed arrays and native kernels (the Duktape host, Node + wasm) realize the
 * planned arena as one buffer and hand out views at the planned offsets, so a native kernel
 * reaches a tensor without copying. Engines with plain arrays only (Lua, pure ES5) cannot alias
 * one array at an offset, so `plainMemory` gives each tensor its own array; the arena peak is
 * still planned and reported as the bytes a C target would need.
 */
import { plainStorage } from "../../shared/model-format/decode";
import { DT_FLOAT32 } from "../../shared/model-format/types";
import { zeros } from "../../shared/portable/arrays";

export interface TensorMemory {
  /** Implementation name, for telemetry and the serving table. */
  readonly name: string;
  /**
   * Bytes of one element of a `dtype` tensor in the realized arena (4 for int32 slots, 8 for
   * float64; a compact typed arena stores int8 in 1).
   */
  slotBytes(dtype: number): number;
  /** Called once with the planned arena size (in slot bytes) before any `activation`. */
  reserveArena(bytes: number): void;
  /** An activation array of n elements at `byteOffset` in the arena. */
  activation(byteOffset: number, n: number, dtype: number): number[];
  /**
   * Storage the model decoder fills with one constant tensor's values (`count` elements of
   * `dtype` stored at `bits`; shared/model-format/decode.ts ConstantStorage).
   */
  constantStorage(count: number, dtype: number, bits: number): number[];
  /** A constant tensor (weights, bias, multipliers) in the form this engine's kernels read. */
  constant(data: number[]): number[];
  /** A scratch array outside the arena (front end, ring buffers). */
  scratch(n: number, isFloat: boolean): number[];
  /**
   * An array of n `dtype` elements outside the arena, stored like an activation of that dtype
   * (a compact typed arena keeps int8 in one byte): the streaming state (quantized frame ring).
   */
  buffer(n: number, dtype: number): number[];
  /**
   * dst[dstOff + i] = src[srcOff + i] for i in [0, n), ascending (so a copy toward lower indices
   * within one array is safe). Streams move whole frames and windows through this, one call per
   * block instead of an interpreted loop per element.
   */
  copy(src: number[], srcOff: number, dst: number[], dstOff: number, n: number): void;
  /** dst[dstOff + i] = src[srcOff + i] * scale (scale a power of two: exact everywhere). */
  copyScaled(
    src: number[],
    srcOff: number,
    dst: number[],
    dstOff: number,
    n: number,
    scale: number,
  ): void;
  /**
   * Slides window[0 .. n) by `add`: window[i] = window[i + add] for i < n - add (ascending),
   * then window[n - add + i] = src[i] for i < add. A row window of streaming inference takes a
   * stride's new rows in one call (two copies each cost an interpreted call on a device).
   */
  shift(window: number[], n: number, src: number[], add: number): void;
  /**
   * A kernel's parameter object (a geometry, requantization or add parameters) in the form this
   * engine's `kernel` reads fastest, for argument lists prepared once and passed every call: a
   * C host copies its fields once and hands back a handle (reading a dozen properties per call
   * costs an interpreter more than a small kernel's arithmetic). The object must not change
   * afterwards. Identity where kernels read objects.
   */
  fixParams(kernel: string, params: unknown): unknown;
  /**
   * A fixed sequence of calls the host runs in one native call: each a kernel the host serves
   * itself, "shift" or "copy" (TensorMemory.shift, copy), with its argument list (kernel arguments as the
   * kernel takes them, parameters fixed by fixParams). Returns the function that runs the
   * whole sequence, or null where the host has no programs or does not serve every step (the
   * caller then makes the calls itself). The lists and arrays must not change afterwards. A
   * stride of streaming inference is such a sequence: one interpreted call instead of one per
   * kernel and shift, where each costs an interpreter about as much as a small kernel.
   */
  program(names: string[], argLists: unknown[][]): (() => void) | null;
}

export function copyLoop(
  src: number[],
  srcOff: number,
  dst: number[],
  dstOff: number,
  n: number,
): void {
  for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i];
}

export function copyScaledLoop(
  src: number[],
  srcOff: number,
  dst: number[],
  dstOff: number,
  n: number,
  scale: number,
): void {
  for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i] * scale;
}

export function shiftLoop(window: number[], n: number, src: number[], add: number): void {
  for (let i = 0; i < n - add; i++) window[i] = window[i + add];
  for (let i = 0; i < add; i++) window[n - add + i] = src[i];
}

export function keepParams(_kernel: string, params: unknown): unknown {
  return params;
}

/**
 * A kernel's argument list with its parameters (between the `tensors` leading tensor arguments
 * and the output) fixed by memory.fixParams, for lists passed every call: a copy where a
 * parameter became a handle, else `args` itself (no second list to hold where nothing changed).
 */
export function fixedArgs(
  memory: TensorMemory,
  kernel: string,
  args: unknown[],
  tensors: number,
): unknown[] {
  let out = args;
  for (let j = tensors; j < args.length - 1; j++) {
    const p = memory.fixParams(kernel, args[j]);
    if (p === args[j]) continue;
    if (out === args) out = args.slice(0);
    out[j] = p;
  }
  return out;
}

export function noProgram(_names: string[], _argLists: unknown[][]): (() => void) | null {
  return null;
}

/** Plain `number[]` memory: every engine runs it; no aliasing. */
export const plainMemory: TensorMemory = {
  name: "plain",
  slotBytes: (dtype: number) => (dtype === DT_FLOAT32 ? 8 : 4),
  reserveArena: (_bytes: number) => {},
  constantStorage: plainStorage,
  activation: (_byteOffset: number, n: number, _dtype: number) => zeros(n),
  constant: (data: number[]) => data,
  scratch: (n: number, _isFloat: boolean) => zeros(n),
  buffer: (n: number, _dtype: number) => zeros(n),
  copy: copyLoop,
  copyScaled: copyScaledLoop,
  shift: shiftLoop,
  fixParams: keepParams,
  program: noProgram,
};
