/**
 * Registers the gradient kernels the wasm backend lacks or runs slowly.
 * (The trainer issue fills this in; each kernel is tested against the CPU backend.)
 */
export function registerWasmGradientKernels(): void {}
