/**
 * Host integer inference through the native addon (host/native): the model's tensors and
 * prepared kernel parameters laid out once in one ArrayBuffer (the arena), the calls lowered as
 * for the wasm kernels (device/targets/wasm/abi.ts) into a Float64Array plan, so an inference is
 * one copy in, one addon call, one copy out. The kernels are the device's C kernels: the same
 * bits as ResidentWasmModel and IntEvaluator.
 */
import { type Lowering, lowerArgs } from "../../device/targets/wasm/abi";
import { storedCount } from "../../shared/model-format/layout";
import { type PreparedOp, prepareModel } from "../../shared/model-format/prepare";
import type { DeviceModel } from "../../shared/model-format/types";
import { DT_FLOAT32 } from "../../shared/model-format/types";
import type { NativeAddon } from "../native/load";
import { InferenceError } from "./errors";

/** Operand alignment in the arena (a cache line: the vector loads never straddle two). */
const ALIGN = 64;

/**
 * Lays arrays out in one arena: `place` gives each distinct array a fixed, aligned offset (the
 * same array twice: the same offset); `finish` allocates the arena and writes them all.
 */
export class ArenaBuilder {
  private top = ALIGN;
  private readonly placed: { a: ArrayLike<number>; at: number; float: boolean }[] = [];
  private readonly slot = new Map<ArrayLike<number>, number>();

  /** The byte offset of `a` (int32 values, or float64 when `float`). */
  place(a: ArrayLike<number>, float: boolean): number {
    const known = this.slot.get(a);
    if (known !== undefined) return known;
    const at = Math.ceil(this.top / ALIGN) * ALIGN;
    this.top = at + a.length * (float ? 8 : 4);
    this.placed.push({ a, at, float });
    this.slot.set(a, at);
    return at;
  }

  /** A lowering that places tensors and parameter structs (calls as for the wasm kernels). */
  lowering(): Lowering<number> {
    return {
      ints: (a) => this.place(a, false),
      floats: (a) => this.place(a, true),
      scalar: (v) => v,
      floatScalar: (v) => v,
      output: (out) => this.place(out, false),
    };
  }

  finish(): ArrayBuffer {
    const arena = new ArrayBuffer(Math.ceil(this.top / ALIGN) * ALIGN);
    for (const { a, at, float } of this.placed) {
      if (float) new Float64Array(arena, at, a.length).set(Array.from(a));
      else new Int32Array(arena, at, a.length).set(Array.from(a));
    }
    return arena;
  }
}

export class NativeResidentModel {
  private readonly arena: ArrayBuffer;
  private readonly plan: Float64Array;
  private readonly input: Float64Array;
  private readonly output: Int32Array;
  readonly ops: PreparedOp[];

  constructor(
    readonly model: DeviceModel,
    private readonly addon: NativeAddon,
  ) {
    this.ops = prepareModel(model);
    const arrays = model.tensors.map((t) =>
      t.data !== null ? t.data : new Array<number>(storedCount(t.dtype, t.shape)).fill(0),
    );
    const arena = new ArenaBuilder();
    for (let i = 0; i < arrays.length; i++)
      arena.place(arrays[i], model.tensors[i].dtype === DT_FLOAT32);
    const lowering = arena.lowering();
    const plan: number[] = [];
    for (const p of this.ops) {
      const call: unknown[] = [];
      for (const t of p.inputs) call.push(arrays[t]);
      for (const prm of p.params) call.push(prm);
      call.push(arrays[p.outputs[0]]);
      const args = lowerArgs(p.spec, call, lowering);
      plan.push(p.spec.code, args.length, ...args);
    }
    this.arena = arena.finish();
    this.plan = Float64Array.from(plan);
    const inArr = arrays[model.input];
    this.input = new Float64Array(this.arena, arena.place(inArr, true), inArr.length);
    const outArr = arrays[model.output];
    this.output = new Int32Array(this.arena, arena.place(outArr, false), outArr.length);
  }

  /** Raw output values (as IntEvaluator's `output`) for one input. */
  run(features: ArrayLike<number>): number[] {
    if (features.length !== this.input.length)
      throw new InferenceError(
        `model expects ${this.input.length} features, got ${features.length}`,
      );
    this.input.set(features);
    this.addon.infer(this.arena, this.plan);
    return Array.from(this.output);
  }
}
