/**
 * The wasm kernels (device/targets/wasm/assembly, built by `npm run build:device`) as a
 * `Kernels` implementation for Node. Each call copies its arrays into linear memory, runs the
 * layer in wasm and copies the output back: per layer, never per element. The SIMD build is used
 * when this Node supports it, the scalar build (the one wasm3-class interpreters run) otherwise.
 */
import { existsSync, readFileSync } from "node:fs";
import { referenceKernels } from "../../../shared/kernels/reference";
import type {
  AddParams,
  ClampParams,
  ConvGeometry,
  DenseShape,
  Kernels,
  QuantizeParams,
  RequantParams,
} from "../../../shared/kernels/types";
import { buildOutputs } from "../../engines/paths";
import { type KernelProvider, KernelRegistry } from "../../runtime/intrinsics";

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

/** An array argument: ints are copied as int32, floats as float64. */
type Arg = { data: ArrayLike<number>; float?: boolean; n?: number };

class WasmCall {
  private top = 0;
  private readonly pending: { ptr: Ptr; n: number; out: number[] }[] = [];

  constructor(private readonly ex: Exports) {}

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

  geom(g: ConvGeometry): Ptr {
    return this.ints([
      g.inH,
      g.inW,
      g.inC,
      g.outH,
      g.outW,
      g.outC,
      g.kH,
      g.kW,
      g.strideH,
      g.strideW,
      g.padTop,
      g.padLeft,
    ]);
  }

  requant(q: RequantParams): Ptr {
    return this.ints([q.inZp, q.outZp, q.actMin, q.actMax]);
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

function kernelsOver(ex: Exports): Kernels {
  const call = () => new WasmCall(ex);
  return {
    conv2d(x, w, b, m, s, g: ConvGeometry, q: RequantParams, out) {
      const c = call();
      c.run("conv2d", [
        c.ints(x),
        c.ints(w),
        c.ints(b),
        c.ints(m),
        c.ints(s),
        c.geom(g),
        c.requant(q),
        c.output(out),
      ]);
    },
    depthwiseConv2d(x, w, b, m, s, g: ConvGeometry, q: RequantParams, out) {
      const c = call();
      c.run("depthwiseConv2d", [
        c.ints(x),
        c.ints(w),
        c.ints(b),
        c.ints(m),
        c.ints(s),
        c.geom(g),
        c.requant(q),
        c.output(out),
      ]);
    },
    dense(x, w, b, m, s, d: DenseShape, q: RequantParams, out) {
      const c = call();
      c.run("dense", [
        c.ints(x),
        c.ints(w),
        c.ints(b),
        c.ints(m),
        c.ints(s),
        d.inN,
        d.outN,
        c.requant(q),
        c.output(out),
      ]);
    },
    avgPool2d(x, g: ConvGeometry, k: ClampParams, out) {
      const c = call();
      c.run("avgPool2d", [c.ints(x), c.geom(g), k.actMin, k.actMax, c.output(out)]);
    },
    maxPool2d(x, g: ConvGeometry, k: ClampParams, out) {
      const c = call();
      c.run("maxPool2d", [c.ints(x), c.geom(g), k.actMin, k.actMax, c.output(out)]);
    },
    globalAvgPool(x, h, w, ch, k: ClampParams, out) {
      const c = call();
      c.run("globalAvgPool", [c.ints(x), h, w, ch, k.actMin, k.actMax, c.output(out)]);
    },
    add(a, b, p: AddParams, out) {
      const c = call();
      const params = c.ints([
        p.n,
        p.aZp,
        p.bZp,
        p.outZp,
        p.leftShift,
        p.aMult,
        p.aShift,
        p.bMult,
        p.bShift,
        p.outMult,
        p.outShift,
        p.actMin,
        p.actMax,
      ]);
      c.run("add", [c.ints(a, p.n), c.ints(b, p.n), params, c.output(out)]);
    },
    binaryConv2d(x, w, thr, dir, g: ConvGeometry, out) {
      const c = call();
      c.run("binaryConv2d", [
        c.ints(x),
        c.ints(w),
        c.ints(thr),
        c.ints(dir),
        c.geom(g),
        c.output(out),
      ]);
    },
    binaryConv2dInt(x, w, b, m, s, g: ConvGeometry, q: RequantParams, out) {
      const c = call();
      c.run("binaryConv2dInt", [
        c.ints(x),
        c.ints(w),
        c.ints(b),
        c.ints(m),
        c.ints(s),
        c.geom(g),
        c.requant(q),
        c.output(out),
      ]);
    },
    binaryDense(x, w, thr, dir, d: DenseShape, out) {
      const c = call();
      c.run("binaryDense", [
        c.ints(x),
        c.ints(w),
        c.ints(thr),
        c.ints(dir),
        d.inN,
        d.outN,
        c.output(out),
      ]);
    },
    binaryDenseInt(x, w, b, m, s, d: DenseShape, q: RequantParams, out) {
      const c = call();
      c.run("binaryDenseInt", [
        c.ints(x),
        c.ints(w),
        c.ints(b),
        c.ints(m),
        c.ints(s),
        d.inN,
        d.outN,
        c.requant(q),
        c.output(out),
      ]);
    },
    binarize(x, thr, dir, pixels, ch, out) {
      const c = call();
      c.run("binarize", [c.ints(x), c.ints(thr), c.ints(dir), pixels, ch, c.output(out)]);
    },
    quantize(x, p: QuantizeParams, out) {
      const c = call();
      c.run("quantize", [
        c.floats(x, p.n),
        p.n,
        p.scale,
        p.zeroPoint,
        p.actMin,
        p.actMax,
        c.output(out),
      ]);
    },
    softmax(x, lut, n, out) {
      const c = call();
      c.run("softmax", [c.ints(x, n), c.ints(lut), lut.length, n, c.output(out)]);
    },
  };
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
