/**
 * The Duktape host's side of the intrinsics boundary. The C host registers `EarshotNative`,
 * whose functions have exactly the `Kernels` signatures but require typed arrays (Int32Array
 * for integers and packed bits, Float64Array for float features); `typedMemory` makes every
 * tensor such an array, activations as views into one arena buffer at the planned offsets.
 */

import type { FrontEnd } from "../../../shared/features/frontend";
import type { Kernels } from "../../../shared/kernels/types";
import type { FrameFunction, FrontEndIntrinsic } from "../../runtime/frontend-intrinsic";
import type { KernelProvider } from "../../runtime/intrinsics";
import { copyLoop, copyScaledLoop, type TensorMemory } from "../../runtime/memory";

/** What the Duktape host registers: the kernels plus the front end's frame function. */
export type NativeKernels = Partial<Kernels> & {
  copy?: (src: number[], srcOff: number, dst: number[], dstOff: number, n: number) => void;
  copyScaled?: (
    src: number[],
    srcOff: number,
    dst: number[],
    dstOff: number,
    n: number,
    scale: number,
  ) => void;
  frontEndInit?: (frontEnd: FrontEnd) => number;
  frontEndFrame?: (
    handle: number,
    src: number[],
    srcOffset: number,
    out: number[],
    outOffset: number,
  ) => void;
};

/** The C front end, when the host has it (its tables are copied from `frontEnd` once). */
export function nativeFrontEnd(native: NativeKernels): FrontEndIntrinsic | null {
  const init = native.frontEndInit;
  const frame = native.frontEndFrame;
  if (init === undefined || frame === undefined) return null;
  return {
    name: "c-duktape",
    bind: (frontEnd: FrontEnd): FrameFunction => {
      const handle = init(frontEnd);
      return (src, srcOffset, out, outOffset) => frame(handle, src, srcOffset, out, outOffset);
    },
  };
}

export function nativeProvider(native: NativeKernels): KernelProvider {
  return { name: "c-duktape", kernels: native };
}

export function typedMemory(native: NativeKernels = {}): TensorMemory {
  let arena = new ArrayBuffer(8);
  return {
    copy: native.copy !== undefined ? native.copy : copyLoop,
    copyScaled: native.copyScaled !== undefined ? native.copyScaled : copyScaledLoop,
    name: "typed-arena",
    slotBytes: (isFloat: boolean) => (isFloat ? 8 : 4),
    reserveArena: (bytes: number) => {
      arena = new ArrayBuffer(bytes > 8 ? bytes : 8);
    },
    activation: (byteOffset: number, n: number, isFloat: boolean) =>
      (isFloat
        ? new Float64Array(arena, byteOffset, n)
        : new Int32Array(arena, byteOffset, n)) as unknown as number[],
    constant: (data: number[]) => {
      const a = new Int32Array(data.length);
      for (let i = 0; i < data.length; i++) a[i] = data[i];
      return a as unknown as number[];
    },
    scratch: (n: number, isFloat: boolean) =>
      (isFloat ? new Float64Array(n) : new Int32Array(n)) as unknown as number[],
  };
}
