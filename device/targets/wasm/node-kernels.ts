/**
 * The wasm kernels (device/targets/wasm/assembly, built by `npm run build:device`) as a
 * `Kernels` implementation for Node. Each call copies its arrays into linear memory, runs the
 * layer in wasm and copies the output back: per layer, never per element. The SIMD build is used
 * when this Node supports it, the scalar build (the one wasm3-class interpreters run) otherwise.
 */
import { existsSync, readFileSync } from "node:fs";
import { OPS } from "../../../shared/kernels/ops";
import { referenceKernels } from "../../../shared/kernels/reference";
import type { Kernels } from "../../../shared/kernels/types";
import { buildOutputs } from "../../engines/paths";
import { type KernelProvider, KernelRegistry } from "../../runtime/intrinsics";
import { type Lowering, lowerArgs } from "./abi";

type Ptr = number;
type WasmFn = (...args: number[]) => void;

/** The slice of the WebAssembly API used here (the project's lib has no DOM typings). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  instantiate(
    bytes: Uint8Array,
    imports: object,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
  validate(bytes: Uint8Array): boolean;
}

const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Exports {
  memory: WasmMemory;
  [name: string]: WasmFn | WasmMemory;
}

/** First free byte above the module's static data (its `heapBase` export; 0 for older builds). */
export function operandBase(ex: object): number {
  const heapBase = (ex as { heapBase?: unknown }).heapBase;
  return typeof heapBase === "function" ? (heapBase as () => number)() : 0;
}

class WasmCall {
  private top: number;
  private readonly pending: { ptr: Ptr; n: number; out: number[] }[] = [];

  constructor(private readonly ex: Exports) {
    this.top = operandBase(ex);
  }

  /** The first operand's address (tests check it clears the static data). */
  get base(): number {
    return this.top;
  }

  private reserve(bytes: number): Ptr {
    const ptr = (this.top + 7) & ~7;
    this.top = ptr + bytes;
    const mem = this.ex.memory;
    if (this.top > mem.buffer.byteLength) {
      mem.grow(Math.ceil((this.top - mem.buffer.byteLength) / 65536));
    }
    return ptr;
  }

  ints(a: ArrayLike<number>, n = a.length): Ptr {
    const ptr = this.reserve(n * 4);
    const view = new Int32Array(this.ex.memory.buffer, ptr, n);
    for (let i = 0; i < n; i++) view[i] = a[i];
    return ptr;
  }

  floats(a: ArrayLike<number>, n: number): Ptr {
    const ptr = this.reserve(n * 8);
    const view = new Float64Array(this.ex.memory.buffer, ptr, n);
    for (let i = 0; i < n; i++) view[i] = a[i];
    return ptr;
  }

  output(out: number[]): Ptr {
    const ptr = this.reserve(out.length * 4);
    this.pending.push({ ptr, n: out.length, out });
    return ptr;
  }

  /** Runs export `name` and copies outputs back. */
  run(name: string, args: number[]): void {
    (this.ex[name] as WasmFn)(...args);
    for (const p of this.pending) {
      const view = new Int32Array(this.ex.memory.buffer, p.ptr, p.n);
      for (let i = 0; i < p.n; i++) p.out[i] = view[i];
    }
  }
}

/** Every kernel of the op table, each marshalled as the wasm ABI lowers its arguments. */
function kernelsOver(ex: Exports): Kernels {
  const kernels: Record<string, (...call: unknown[]) => void> = {};
  for (const spec of OPS) {
    kernels[spec.kernel] = (...call: unknown[]) => {
      const c = new WasmCall(ex);
      const lowering: Lowering<number> = {
        ints: (a) => c.ints(a),
        floats: (a) => c.floats(a, a.length),
        scalar: (v) => v,
        floatScalar: (v) => v,
        output: (out) => c.output(out),
      };
      c.run(spec.kernel, lowerArgs(spec, call, lowering));
    };
  }
  return kernels as unknown as Kernels;
}

const IMPORTS = {
  env: {
    abort: () => {
      throw new Error("wasm kernel aborted");
    },
  },
};

/** Instantiates a kernels .wasm file synchronously (for test tables built at import time). */
export function loadWasmKernelsSync(path: string): Kernels {
  if (!existsSync(path)) throw new Error(`${path} is missing: run 'npm run build:device' first`);
  const instance = new Wasm.Instance(new Wasm.Module(readFileSync(path)), IMPORTS);
  return kernelsOver(instance.exports as unknown as Exports);
}

/** Instantiates a kernels .wasm file. */
export async function loadWasmKernels(path: string): Promise<Kernels> {
  if (!existsSync(path)) throw new Error(`${path} is missing: run 'npm run build:device' first`);
  const { instance } = await Wasm.instantiate(readFileSync(path), {
    env: {
      abort: () => {
        throw new Error("wasm kernel aborted");
      },
    },
  });
  return kernelsOver(instance.exports as unknown as Exports);
}

/** The wasm provider: SIMD build when Node validates it, else scalar. */
export async function wasmProvider(): Promise<KernelProvider> {
  const o = buildOutputs();
  const simd = existsSync(o.wasmSimd) && Wasm.validate(readFileSync(o.wasmSimd));
  return {
    name: simd ? "wasm-simd" : "wasm-scalar",
    kernels: await loadWasmKernels(simd ? o.wasmSimd : o.wasmScalar),
  };
}

/** Portable reference as the base, every op the wasm module has registered over it. */
export async function wasmRegistry(): Promise<KernelRegistry> {
  const reg = new KernelRegistry({ name: "portable-ts", kernels: referenceKernels });
  reg.register(await wasmProvider());
  return reg;
}
