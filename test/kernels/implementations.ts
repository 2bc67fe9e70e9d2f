/**
 * Every implementation of the kernel interface, each checked by the same golden tables
 * (test/kernels/golden.test.ts). A new implementation (wasm, C, Lua) registers here.
 * The wasm kernels load synchronously from device/build (built here if missing or stale).
 * The C (Duktape host) and Lua kernels run inside their engines: test/device/parity.test.ts
 * checks every op of the int8, 4-bit and binary models there, bit for bit.
 */
import { buildOutputs } from "../../device/engines/paths";
import { loadWasmKernelsSync } from "../../device/targets/wasm/node-kernels";
import { buildDevice } from "../../device/tools/build";
import { referenceKernels } from "../../shared/kernels/reference";
import type { Kernels } from "../../shared/kernels/types";

export interface KernelImplementation {
  name: string;
  kernels: Kernels;
}

buildDevice(false, () => {}, "wasm");

export const KERNEL_IMPLEMENTATIONS: KernelImplementation[] = [
  { name: "portable-ts", kernels: referenceKernels },
  { name: "wasm-scalar", kernels: loadWasmKernelsSync(buildOutputs().wasmScalar) },
  { name: "wasm-simd", kernels: loadWasmKernelsSync(buildOutputs().wasmSimd) },
];
