/**
 * Every implementation of the kernel interface, each checked by the same golden tables
 * (test/kernels/golden.test.ts). A new implementation (wasm, C, Lua) registers here.
 * The wasm kernels load synchronously from device/build; the C kernels (Duktape host) and the
 * Lua translation run each call in their engine (device/engines/subprocess-kernels.ts). All
 * are built here when missing or stale (npm run build:device, cached by source hash).
 */
import { buildOutputs } from "../../device/engines/paths";
import { subprocessKernels } from "../../device/engines/subprocess-kernels";
import { loadWasmKernelsSync } from "../../device/targets/wasm/node-kernels";
import { buildDevice } from "../../device/tools/build";
import { referenceKernels } from "../../shared/kernels/reference";
import type { Kernels } from "../../shared/kernels/types";

export interface KernelImplementation {
  name: string;
  kernels: Kernels;
}

buildDevice();

export const KERNEL_IMPLEMENTATIONS: KernelImplementation[] = [
  { name: "portable-ts", kernels: referenceKernels },
  { name: "wasm-scalar", kernels: loadWasmKernelsSync(buildOutputs().wasmScalar) },
  { name: "wasm-simd", kernels: loadWasmKernelsSync(buildOutputs().wasmSimd) },
  { name: "c-duktape", kernels: subprocessKernels("c-duktape") },
  { name: "lua", kernels: subprocessKernels("lua") },
];
