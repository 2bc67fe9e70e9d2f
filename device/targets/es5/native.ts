/**
 * The Duktape host's side of the intrinsics boundary. The C host registers `EarshotNative`,
 * whose functions have exactly the `Kernels` signatures but require typed arrays (Int32Array
 * for integers and packed bits, Float64Array for float features); `typedMemory` makes every
 * tensor such an array, activations as views into one arena buffer at the planned offsets.
 */

import type { FrontEndShape } from "../../../shared/features/frontend";
import type { InputNorm } from "../../../shared/features/input-norm";
import type { Kernels, QuantizeParams } from "../../../shared/kernels/types";
import {
  DT_BIN,
  DT_FLOAT32,
  DT_INT8,
  DT_INT16,
  DT_UINT8,
} from "../../../shared/model-format/types";
import type {
  FrameFunction,
  FrontEndIntrinsic,
  QuantizedPush,
} from "../../runtime/frontend-intrinsic";
import type { KernelProvider } from "../../runtime/intrinsics";
import {
  copyLoop,
  copyScaledLoop,
  keepParams,
  shiftLoop,
  type TensorMemory,
} from "../../runtime/memory";

/** What the Duktape host registers: the kernels plus the front end's frame function. */
export type NativeKernels = Partial<Kernels> & {
  /** Which C host this is, for the serving table (the Duktape host predates it: absent). */
  impl?: string;
  /** Which implementation the front end is, when not `impl` (the wasm3 host's front end is C). */
  frontEndImpl?: string;
  /**
   * The host widens narrow integer constants (Int8Array, Int16Array, ...) itself: constants may
   * stay at their stored width on the JS heap (the JerryScript host).
   */
  narrowConstants?: boolean;
  /**
   * The host also takes int8/int16 activations (Int8Array, Int16Array) and narrows its int32
   * results into them: the arena keeps them at one or two bytes each, a quarter of the int32
   * slots (what lets res8-narrow fit JerryScript's 256 KB heap).
   */
  narrowActivations?: boolean;
  /**
   * Typed arrays shorter than this many bytes get a store this long (Espruino: see store()).
   * Absent: every array gets its own length.
   */
  minStoreBytes?: number;
  copy?: (src: number[], srcOff: number, dst: number[], dstOff: number, n: number) => void;
  copyScaled?: (
    src: number[],
    srcOff: number,
    dst: number[],
    dstOff: number,
    n: number,
    scale: number,
  ) => void;
  /** TensorMemory.shift on typed arrays of one element type. */
  shift?: (window: number[], n: number, src: number[], add: number) => void;
  /**
   * A parameter object's fields copied once into the host; returns the handle its kernels take
   * in the object's place, or the object itself (TensorMemory.fixParams).
   */
  fixParams?: (params: unknown) => unknown;
  /**
   * Runs a fixed sequence of this host's calls in one native call (TensorMemory.program):
   * `steps` is [id, argumentList, id, argumentList, ...], each id an index into programSteps
   * (the kernels, "shift" and "copy" it can run that way). `program`, where the host has it,
   * records the steps once and returns the handle runProgram takes instead, or undefined when
   * it holds no more (the JerryScript host copies the argument values out, so a run reads no JS
   * arrays); without it runProgram takes the steps themselves.
   */
  programSteps?: string[];
  program?: (steps: unknown[]) => unknown;
  runProgram?: (program: unknown) => void;
  frontEndInit?: (frontEnd: FrontEndShape) => number;
  frontEndFrame?: (
    handle: number,
    src: number[],
    srcOffset: number,
    out: number[],
    outOffset: number,
  ) => void;
  /**
   * Sets the quantizer frontEndPushQuantized applies (the quantize kernel's parameters) and the
   * model's input normalization before it (means and standard deviations per coefficient).
   */
  frontEndQuantizer?: (
    handle: number,
    q: QuantizeParams,
    mean?: Float64Array,
    std?: Float64Array,
  ) => void;
  /** The front end's QuantizedPush (frontend-intrinsic.ts) on its own sample window. */
  frontEndPushQuantized?: (handle: number, ...push: Parameters<QuantizedPush>) => number;
};

/** The C front end, when the host has it (it builds its tables from `frontEnd`'s configuration once). */
export function nativeFrontEnd(native: NativeKernels): FrontEndIntrinsic | null {
  const init = native.frontEndInit;
  const frame = native.frontEndFrame;
  if (init === undefined || frame === undefined) return null;
  // One native handle per front end (a host holds a few): bind and bindQuantized share it.
  const bound: FrontEndShape[] = [];
  const handles: number[] = [];
  const handleOf = (frontEnd: FrontEndShape): number => {
    for (let i = 0; i < bound.length; i++) if (bound[i] === frontEnd) return handles[i];
    const h = init(frontEnd);
    bound.push(frontEnd);
    handles.push(h);
    return h;
  };
  const setQuantizer = native.frontEndQuantizer;
  const pushQuantized = native.frontEndPushQuantized;
  return {
    name:
      native.frontEndImpl !== undefined
        ? native.frontEndImpl
        : native.impl !== undefined
          ? native.impl
          : "c-duktape",
    bind: (frontEnd: FrontEndShape): FrameFunction => {
      const handle = handleOf(frontEnd);
      return (src, srcOffset, out, outOffset) => frame(handle, src, srcOffset, out, outOffset);
    },
    bindQuantized: (
      frontEnd: FrontEndShape,
      q: QuantizeParams,
      norm: InputNorm | null,
    ): QuantizedPush | null => {
      if (setQuantizer === undefined || pushQuantized === undefined) return null;
      const handle = handleOf(frontEnd);
      if (norm === null) setQuantizer(handle, q);
      else setQuantizer(handle, q, new Float64Array(norm.mean), new Float64Array(norm.std));
      return (src, srcOffset, n, dst, slot) => pushQuantized(handle, src, srcOffset, n, dst, slot);
    },
  };
}

export function nativeProvider(native: NativeKernels): KernelProvider {
  return { name: native.impl !== undefined ? native.impl : "c-duktape", kernels: native };
}

/**
 * Typed storage for a decoded constant. C kernels read every integer constant as an Int32Array;
 * JS kernels read any typed array, so `compact` sizes each to its stored width (an int8 model's
 * weights take one byte each: what lets a model fit a device heap).
 */
/**
 * A typed array's store. Espruino keeps an ArrayBuffer of up to two variable blocks (22 bytes on
 * a board, 42 on the 64-bit Linux build) in chunks, which its C kernels can only read through a
 * copy made on every call (jswrap_earshot.c `arg`); a longer one gets one flat block. Its host
 * therefore asks (`minStoreBytes`) for small arrays to get a longer store; real models'
 * per-channel arrays are longer already.
 */
function store(count: number, bytesPer: number, minBytes: number): ArrayBuffer {
  const bytes = count * bytesPer;
  return new ArrayBuffer(bytes > minBytes ? bytes : minBytes);
}

function constantArray(
  count: number,
  dtype: number,
  bits: number,
  compact: boolean,
  minBytes: number,
): number[] {
  if (!compact || dtype === DT_BIN || bits > 16)
    return committed(new Int32Array(store(count, 4, minBytes), 0, count));
  const signed = dtype !== DT_UINT8;
  if (bits <= 8) {
    const b = store(count, 1, minBytes);
    return committed(signed ? new Int8Array(b, 0, count) : new Uint8Array(b, 0, count));
  }
  const b = store(count, 2, minBytes);
  return committed(signed ? new Int16Array(b, 0, count) : new Uint16Array(b, 0, count));
}

/**
 * Touches a new typed array so its bytes are taken now. JerryScript allocates an ArrayBuffer's
 * store on first access, from its fixed heap: left lazy, the arena and the rings would be taken
 * mid-stream, from a heap the audio chunks have fragmented, and a 256 KB heap with room to
 * spare could fail to find one contiguous block. Taken at init, where nothing is fragmented yet.
 */
function committed(a: { length: number; [i: number]: number }): number[] {
  if (a.length > 0) a[0] = 0;
  return a as unknown as number[];
}

/** Arena bytes per element: C kernels read int32 slots; compact stores int8/uint8/int16 as such. */
function elementBytes(dtype: number, compact: boolean): number {
  if (dtype === DT_FLOAT32) return 8;
  if (!compact) return 4;
  if (dtype === DT_INT8 || dtype === DT_UINT8) return 1;
  return dtype === DT_INT16 ? 2 : 4;
}

function activationView(
  arena: ArrayBuffer,
  byteOffset: number,
  n: number,
  dtype: number,
  compact: boolean,
): number[] {
  let a: unknown;
  if (dtype === DT_FLOAT32) a = new Float64Array(arena, byteOffset, n);
  else if (!compact) a = new Int32Array(arena, byteOffset, n);
  else if (dtype === DT_INT8) a = new Int8Array(arena, byteOffset, n);
  else if (dtype === DT_UINT8) a = new Uint8Array(arena, byteOffset, n);
  else if (dtype === DT_INT16) a = new Int16Array(arena, byteOffset, n);
  else a = new Int32Array(arena, byteOffset, n);
  return a as number[];
}

/**
 * Tensors as typed arrays: activations are views into one arena buffer at the planned offsets.
 * `compact`: constants at their stored width (JS kernels, or a host that widens them);
 * `compactActivations`: activations too (JS kernels, or a host that narrows its int32 results).
 */
export function typedMemory(
  native: NativeKernels = {},
  compact = false,
  compactActivations = compact,
): TensorMemory {
  let arena = new ArrayBuffer(8);
  const minStore = native.minStoreBytes !== undefined ? native.minStoreBytes : 0;
  const fix = native.fixParams;
  const served = native as Record<string, unknown>;
  // An array of its own (the streaming frame ring; an activation the arena cannot view): it
  // holds kernel outputs, so activations' width, not constants'.
  const ownBuffer = (n: number, dtype: number): number[] =>
    committed(
      activationView(
        new ArrayBuffer(n * elementBytes(dtype, compactActivations) + 8),
        0,
        n,
        dtype,
        compactActivations,
      ),
    );
  return {
    copy: native.copy !== undefined ? native.copy : copyLoop,
    copyScaled: native.copyScaled !== undefined ? native.copyScaled : copyScaledLoop,
    shift: native.shift !== undefined ? native.shift : shiftLoop,
    // Only the host's own kernels read its handles (the registry prefers them where they exist).
    fixParams:
      fix === undefined
        ? keepParams
        : (kernel: string, params: unknown) =>
            served[kernel] !== undefined && typeof params === "object" ? fix(params) : params,
    program: (names: string[], argLists: unknown[][]) => {
      const known = native.programSteps;
      const run = native.runProgram;
      if (known === undefined || run === undefined) return null;
      const steps: unknown[] = [];
      for (let i = 0; i < names.length; i++) {
        let id = -1;
        for (let j = 0; j < known.length; j++) if (known[j] === names[i]) id = j;
        if (id < 0) return null;
        steps.push(id, argLists[i]);
      }
      const record = native.program;
      const handle = record !== undefined ? record(steps) : steps;
      // A host whose program table is full records none: the caller makes the calls.
      if (handle === undefined) return null;
      return () => run(handle);
    },
    name: "typed-arena",
    slotBytes: (dtype: number) => elementBytes(dtype, compactActivations),
    reserveArena: (bytes: number) => {
      arena = new ArrayBuffer(bytes > 8 ? bytes : 8);
      committed(new Uint8Array(arena));
    },
    activation: (byteOffset: number, n: number, dtype: number) => {
      try {
        return activationView(arena, byteOffset, n, dtype, compactActivations);
      } catch (e) {
        // Espruino: no typed array may start past 64 KB into its buffer (a 16-bit byteOffset).
        // Such a view gets a buffer of its own: no tensor reads another through the arena, so
        // only the memory the plan saved is spent.
        if (byteOffset < 65536) throw e;
        return ownBuffer(n, dtype);
      }
    },
    constantStorage: (count: number, dtype: number, bits: number) =>
      constantArray(count, dtype, bits, compact, minStore),
    // The decoder filled storage from constantStorage: already in the kernels' form.
    constant: (data: number[]) => data,
    scratch: (n: number, isFloat: boolean) =>
      committed(
        isFloat
          ? new Float64Array(store(n, 8, minStore), 0, n)
          : new Int32Array(store(n, 4, minStore), 0, n),
      ),
    buffer: ownBuffer,
  };
}
