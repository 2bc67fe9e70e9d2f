/**
 * The tfjs wasm backend as earshot's training kernels see it: its memory, tensors' offsets in it,
 * calls to other registered kernels, and the AssemblyScript module instantiated on that memory.
 */
import {
  type GradConfig,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  registerGradient,
  registerKernel,
  type TensorInfo,
} from "@tensorflow/tfjs";
import { TRAIN_KERNELS_WASM_BASE64 } from "./wasm-binary";

/** The slice of the WebAssembly JS API used here (tsconfig's ES2022 lib does not declare it). */
interface WasmApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
export interface WasmBackend {
  wasm: { asm?: { memory?: object }; HEAPF32: Float32Array };
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
  disposeData(dataId: object): boolean;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

export interface TrainKernels {
  im2colT(...args: number[]): void;
  convFilterGrad(...args: number[]): void;
  convInputGrad(...args: number[]): void;
  convForward1(...args: number[]): void;
  avgPoolGrad(...args: number[]): void;
  maxPoolGrad(...args: number[]): void;
  reluGrad(...args: number[]): void;
  channelSum(...args: number[]): void;
  channelSum64(...args: number[]): void;
  channelBroadcast(...args: number[]): void;
  batchNorm(...args: number[]): void;
  channelDotCentered(...args: number[]): void;
  depthwiseFilterGrad(...args: number[]): void;
  depthwiseInputGrad(...args: number[]): void;
}

export const BACKEND = "wasm";
let compiled: object | undefined;
const instances = new WeakMap<WasmBackend, TrainKernels>();

/** The kernels instantiated on this backend's memory (once per backend). */
export function kernelsFor(backend: WasmBackend): TrainKernels {
  let k = instances.get(backend);
  if (k) return k;
  const memory = backend.wasm.asm?.memory;
  if (!(memory instanceof WA.Memory)) {
    throw new Error("tfjs wasm backend does not expose its memory; cannot run earshot kernels");
  }
  compiled ??= new WA.Module(Buffer.from(TRAIN_KERNELS_WASM_BASE64, "base64"));
  k = new WA.Instance(compiled, { env: { memory } }).exports as unknown as TrainKernels;
  instances.set(backend, k);
  return k;
}

export const ptr = (b: WasmBackend, t: TensorInfo): number =>
  b.dataIdMap.get(t.dataId).memoryOffset;

/** Runs another kernel registered for wasm (stock or ours) on tensors of this backend. */
export function call(b: WasmBackend, name: string, inputs: Record<string, TensorInfo>, attrs = {}) {
  const cfg = getKernel(name, BACKEND);
  if (!cfg) throw new Error(`kernel '${name}' not registered for backend '${BACKEND}'`);
  return cfg.kernelFunc({
    inputs,
    attrs: attrs as NamedAttrMap,
    backend: b as never,
  }) as TensorInfo;
}

/** A view of a tensor under another shape (wasm Reshape shares the data). */
export function reshaped(b: WasmBackend, x: TensorInfo, shape: number[]): TensorInfo {
  return call(b, "Reshape", { x }, { shape });
}

/** Stock kernels that earshot's wrap and fall back to (captured at registration). */
export const stock: Partial<Record<string, KernelConfig>> = {};

const registeredOps = new Set<string>();

/**
 * Registers an op's own wasm kernels (names tfjs does not have) and its gradient, once: the first
 * kernel's name keys the op.
 */
export function registerOpOnce(kernels: [string, KernelFunc][], gradient?: GradConfig): void {
  if (registeredOps.has(kernels[0][0])) return;
  registeredOps.add(kernels[0][0]);
  for (const [kernelName, kernelFunc] of kernels)
    registerKernel({ kernelName, backendName: BACKEND, kernelFunc } as KernelConfig);
  if (gradient) registerGradient(gradient);
}
