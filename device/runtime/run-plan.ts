/**
 * A run plan: what the interpreter (interpreter.ts) would set up at load for the device mode,
 * worked out on the host and carried in a device image (device/engines/image-plan.ts records
 * it; device/targets/es5/image/interpreter.ts replays it). The arena is planned for each slot
 * layout a device memory may use (typed arenas: int8 in one byte, or every integer in an int32
 * slot); the calls are the host program the interpreter records (TensorMemory.program), with
 * every array named by reference. The device then needs no arena planner, no band runner and
 * no op binding: it makes the views and the argument lists, and runs them.
 */

import type { DeviceModel } from "../../shared/model-format/types";
import type { TensorMemory } from "./memory";

/** The dtypes whose slot sizes tell layouts apart (DT_INT8, DT_UINT8, DT_INT16, DT_INT32, DT_BIN, DT_FLOAT32). */
export const PLAN_DTYPES = [1, 2, 3, 4, 5, 6];

/**
 * What each argument of a planned call is, one character per argument in a list's `kinds`:
 * `n` a number as it is; `v` an arena view (its index in `views`); `c` a constant tensor (its
 * index); `p` a kernel's parameter object (its index in `params`), which the device fixes with
 * TensorMemory.fixParams for the list's kernel.
 */
export const ARG_NUMBER = "n";
export const ARG_VIEW = "v";
export const ARG_CONSTANT = "c";
export const ARG_PARAMS = "p";
/** A streaming state buffer (its index in StreamPlan.buffers): stream plans only. */
export const ARG_BUFFER = "b";

/** A parameter the image's op rows carry already: the j-th parameter of op k, as [k, j]. */
export interface PlanOpParam {
  op: number[];
}

export interface RunPlan {
  /** Per layout: the slot bytes of each of PLAN_DTYPES. */
  layouts: number[][];
  /** Per layout: the arena's bytes (TensorMemory.reserveArena). */
  arena: number[];
  /** Per view: [elements, dtype, byte offset in layout 0, in layout 1, ...]. */
  views: number[][];
  /**
   * Kernel parameter objects, shared by the lists that pass the same one: each the object, or
   * where an op of the image has it already, {op: [k, j]}, the j-th parameter of op k as the
   * image's op rows hold it (the loader puts the object in its place: image/planned-load.ts).
   */
  params: (number | object | PlanOpParam)[];
  /**
   * Call lists, shared by the steps that make the same call: [kernel name (or "copy",
   * TensorMemory.copy), kinds (one character per argument, above), ...each argument's number].
   * Plain numbers rather than an object per reference: smaller, and faster for an engine's
   * JSON.parse and the float walk (shared/model-format/image-read.ts).
   */
  lists: (string | number)[][];
  /** The calls in order, as indices into `lists`. */
  steps: number[];
  /** Views of the float input (-1 when the caller quantizes it), its quantized form (-1: none) and the scores. */
  input: number;
  quantizedInput: number;
  output: number;
  /** The leading quantize op's parameters (null: the graph has none). */
  quantizer: unknown;
  /** Arena bytes a C target needs, and the multiply-accumulates per inference [int, binary]. */
  peakBytes: number;
  macs: number[];
  /**
   * Streaming inference at one stride (device/runtime/incremental.ts), recorded on the host for
   * the planned streaming bundle; null where the model does not stream at that stride.
   */
  stream: StreamPlan | null;
}

/**
 * What a stride of streaming inference calls (IncrementalRunner's host program), recorded on
 * the host: the state buffers, and the kernel, "shift" and "copy" calls over them. Its lists and
 * params are as RunPlan's, with `b` arguments naming buffers. The planned streaming bundle
 * (device/targets/es5/image/stream-runner.ts) makes the buffers and replays the stride; it
 * primes the state by running strides over the first window (no whole-window run, no arena).
 */
export interface StreamPlan extends PlanCalls {
  /** New input frames per stride, and the window frame (0 = oldest) the first of them is. */
  strideFrames: number;
  inputFirstFrame: number;
  /** Per buffer: [elements, dtype] (TensorMemory.buffer). */
  buffers: number[][];
  /** Buffers of the stride's new quantized input rows and of the scores. */
  input: number;
  output: number;
  /** Integer multiply-accumulates per stride (IncrementalRunner.macsPerStride). */
  macsPerStride: number;
  /** Bytes the buffers take on a device (one byte per int8 element). */
  stateBytes: number;
}

/** A plan's calls (RunPlan's and StreamPlan's alike): its parameters, lists and steps. */
export type PlanCalls = Pick<RunPlan, "params" | "lists" | "steps">;

/** A model read from an image that carries a run plan. */
export interface PlannedModel {
  plan: RunPlan | null;
}

/**
 * The argument list of each of a plan's steps (RunPlan or StreamPlan), as the device passes
 * them: `arrays` are the views or buffers its lists name (`v`, `b`), constants come from the
 * model's tensors in the memory's form, and each parameter object is fixed once, for the kernel
 * of the first list that passes it; each list is made once and shared by the steps that repeat
 * it, as the recorded runtime shared them.
 */
export function planStepArgs(
  plan: PlanCalls,
  arrays: number[][],
  model: DeviceModel,
  memory: TensorMemory,
): unknown[][] {
  const lists: unknown[][] = [];
  const fixed: unknown[] = [];
  for (let i = 0; i < plan.lists.length; i++) {
    const src = plan.lists[i];
    const kinds = src[1] as string;
    const list: unknown[] = [];
    for (let j = 0; j < kinds.length; j++) {
      const kind = kinds.charAt(j);
      const x = src[j + 2] as number;
      if (kind === ARG_VIEW || kind === ARG_BUFFER) list.push(arrays[x]);
      else if (kind === ARG_CONSTANT) list.push(memory.constant(model.tensors[x].data as number[]));
      else if (kind === ARG_PARAMS) {
        if (fixed[x] === undefined) fixed[x] = memory.fixParams(src[0] as string, plan.params[x]);
        list.push(fixed[x]);
      } else list.push(x);
    }
    lists.push(list);
  }
  const steps: unknown[][] = [];
  for (let s = 0; s < plan.steps.length; s++) steps.push(lists[plan.steps[s]]);
  return steps;
}

/**
 * The plan reaches the device as JSON the host wrote, so its members keep their names in the
 * bundles: tools/mangle-names.ts reserves every member an ambient declaration reaches.
 */
declare const RUN_PLAN_FROM_HOST: RunPlan;
