/**
 * Every implementation of the kernel interface, each checked by the same golden tables
 * (test/kernels/golden.test.ts). A new implementation (wasm, C, Lua) registers here.
 */
import { referenceKernels } from "../../shared/kernels/reference";
import type { Kernels } from "../../shared/kernels/types";

export interface KernelImplementation {
  name: string;
  kernels: Kernels;
}

export const KERNEL_IMPLEMENTATIONS: KernelImplementation[] = [
  { name: "portable-ts", kernels: referenceKernels },
];
