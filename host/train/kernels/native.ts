/**
 * The native addon's training kernels (host/native/c/train.c: AVX-512, optionally threaded) in
 * place of the wasm ones for conv forward, input and filter gradients, when the addon is built
 * (deploy/native.sh). They take the same arguments as the AssemblyScript kernels plus the wasm
 * memory's buffer, and work on the tensors where they lie (no copies). Chosen at start-up;
 * `setNativeTrainKernels(false)` goes back to the wasm kernels (kernels.test.ts runs both, the
 * train-step bench times both).
 */
import { type NativeTrainKernels, nativeAddon } from "../../native/load";
import type { WasmBackend } from "./wasm-backend";

let enabled = true;

/** Switches the native training kernels off (false) or back on where the addon exists. */
export function setNativeTrainKernels(on: boolean): void {
  enabled = on;
}

/** The native training kernels when they are in use, else null (the wasm kernels run). */
export function nativeTrainKernels(): NativeTrainKernels | null {
  return enabled ? nativeAddon() : null;
}

/** "native" or "wasm": which conv kernels training uses now (benches and doctor print it). */
export function trainKernelPath(): "native" | "wasm" {
  return nativeTrainKernels() !== null ? "native" : "wasm";
}

/** The backend's current memory buffer (after any growth: read it at call time). */
export function heapOf(b: WasmBackend): ArrayBuffer {
  return (b.wasm.asm?.memory as { buffer: ArrayBuffer }).buffer;
}
