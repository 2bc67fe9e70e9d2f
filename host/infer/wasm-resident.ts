/**
 * Host integer inference with the wasm kernels and the whole model resident in wasm memory:
 * constants and the prepared kernel parameters are written once, each activation has a fixed
 * slot, so an inference copies only the input features in and the scores out (the per-call
 * marshaller in device/targets/wasm/node-kernels.ts copies every operand on every call, which is
 * right for golden tables but not for speed). Same prepare step, same kernels, same bits as
 * IntEvaluator.
 */
import { readFileSync } from "node:fs";
import { type Lowering, lowerArgs } from "../../device/targets/wasm/abi";
import { operandBase } from "../../device/targets/wasm/node-kernels";
import { storedCount } from "../../shared/model-format/layout";
import { type PreparedOp, prepareModel } from "../../shared/model-format/prepare";
import type { DeviceModel } from "../../shared/model-format/types";
import { DT_FLOAT32 } from "../../shared/model-format/types";

interface WasmExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  [name: string]: unknown;
}

type Fn = (...args: number[]) => void;

export class ResidentWasmModel {
  private readonly calls: { fn: Fn; args: number[] }[] = [];
  private readonly ex: WasmExports;
  private top: number;
  private readonly inputPtr: number;
  private readonly inputN: number;
  private readonly outputPtr: number;
  private readonly outputN: number;
  readonly ops: PreparedOp[];

  constructor(
    readonly model: DeviceModel,
    wasmPath: string,
  ) {
    const Wasm = (
      globalThis as unknown as {
        WebAssembly: {
          Module: new (b: Uint8Array) => object;
          Instance: new (m: object, i: object) => { exports: unknown };
        };
      }
    ).WebAssembly;
    const inst = new Wasm.Instance(new Wasm.Module(readFileSync(wasmPath)), {
      env: {
        abort: () => {
          throw new Error("wasm kernel aborted");
        },
      },
    });
    this.ex = inst.exports as WasmExports;
    // Operands above the module's static data; 8 keeps address 0 free on builds without heapBase.
    this.top = Math.max(8, operandBase(this.ex));
    this.ops = prepareModel(model);
    // One array per tensor (constants: their data), each with a fixed slot.
    const arrays = model.tensors.map((t) =>
      t.data !== null ? t.data : new Array<number>(storedCount(t.dtype, t.shape)).fill(0),
    );
    const slot = new Map<ArrayLike<number>, number>();
    const place = (a: ArrayLike<number>, float: boolean): number => {
      const known = slot.get(a);
      if (known !== undefined) return known;
      const ptr = this.reserve(a.length * (float ? 8 : 4));
      if (float) new Float64Array(this.ex.memory.buffer, ptr, a.length).set(Array.from(a));
      else new Int32Array(this.ex.memory.buffer, ptr, a.length).set(Array.from(a));
      slot.set(a, ptr);
      return ptr;
    };
    for (let i = 0; i < arrays.length; i++) place(arrays[i], model.tensors[i].dtype === DT_FLOAT32);
    const lowering: Lowering<number> = {
      ints: (a) => place(a, false),
      floats: (a) => place(a, true),
      scalar: (v) => v,
      floatScalar: (v) => v,
      output: (out) => place(out, false),
    };
    for (const p of this.ops) {
      const call: unknown[] = [];
      for (const t of p.inputs) call.push(arrays[t]);
      for (const prm of p.params) call.push(prm);
      call.push(arrays[p.outputs[0]]);
      this.calls.push({
        fn: this.ex[p.spec.kernel] as Fn,
        args: lowerArgs(p.spec, call, lowering),
      });
    }
    this.inputN = arrays[model.input].length;
    this.inputPtr = slot.get(arrays[model.input]) as number;
    this.outputN = arrays[model.output].length;
    this.outputPtr = slot.get(arrays[model.output]) as number;
  }

  private reserve(bytes: number): number {
    const ptr = (this.top + 15) & ~15;
    this.top = ptr + bytes;
    const mem = this.ex.memory;
    if (this.top > mem.buffer.byteLength)
      mem.grow(Math.ceil((this.top - mem.buffer.byteLength) / 65536));
    return ptr;
  }

  /** Raw output values (as IntEvaluator's `output`) for one input. */
  run(features: ArrayLike<number>): number[] {
    if (features.length !== this.inputN)
      throw new Error(`model expects ${this.inputN} features, got ${features.length}`);
    new Float64Array(this.ex.memory.buffer, this.inputPtr, this.inputN).set(features);
    for (const c of this.calls) c.fn(...c.args);
    return Array.from(new Int32Array(this.ex.memory.buffer, this.outputPtr, this.outputN));
  }
}
