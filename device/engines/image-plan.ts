/**
 * Records a model's run plan (device/runtime/run-plan.ts) on the host: the device runtime's own
 * interpreter is built over a memory that hands out references instead of arrays, once per
 * slot layout, and its host program (TensorMemory.program) is captured instead of run. What the
 * image bundle replays is therefore exactly what the interpreter would have set up and called
 * on the device, planner and band runner included. The same holds for the stride program of
 * streaming inference (the runtime's IncrementalRunner over that memory), which the planned
 * streaming bundle replays.
 */

import { validateConfig } from "../../shared/features/validate-config";
import { referenceKernels } from "../../shared/kernels/reference";
import { decodeModel } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import { ModelFormatError } from "../../shared/model-format/errors";
import { writeDeviceImage } from "../../shared/model-format/image-write";
import type { PreparedModel } from "../../shared/model-format/prepare";
import { frontEndFromKeyValues, lookup } from "../runtime/frontend-config";
import { IncrementalRunner, planRows } from "../runtime/incremental";
import { deviceElementBytes, Interpreter } from "../runtime/interpreter";
import type { TensorMemory } from "../runtime/memory";
import {
  ARG_BUFFER,
  ARG_CONSTANT,
  ARG_NUMBER,
  ARG_PARAMS,
  ARG_VIEW,
  PLAN_DTYPES,
  type PlanCalls,
  type PlanOpParam,
  type RunPlan,
  type StreamPlan,
} from "../runtime/run-plan";
import { typedMemory } from "../targets/es5/native";

/** An arena view handed out by the recording memory (length: what band runners read). */
class ViewRef {
  constructor(
    readonly index: number,
    readonly length: number,
  ) {}
}

class ConstantRef {
  constructor(readonly tensor: number) {}
}

class ParamsRef {
  constructor(readonly params: unknown) {}
}

/** A streaming state buffer handed out by the recording memory (TensorMemory.buffer). */
class BufferRef {
  constructor(readonly index: number) {}
}

interface Recording {
  /** The slot bytes of each of PLAN_DTYPES. */
  slots: number[];
  arena: number;
  views: number[][];
  /** [elements, dtype] of each buffer asked for. */
  buffers: number[][];
  names: string[];
  lists: unknown[][];
}

function unexpected(what: string): never {
  throw new Error(`run plan: the runtime asked the recording memory for ${what}`);
}

/**
 * A memory that hands out references instead of arrays and captures the programs it is given
 * (for one slot layout), filling `r`.
 */
function recordingMemory(pm: PreparedModel, compact: boolean, r: Recording): TensorMemory {
  const layout = typedMemory({}, false, compact);
  const constants = new Map<unknown, number>();
  pm.model.tensors.forEach((t, i) => {
    if (t.data !== null) constants.set(t.data, i);
  });
  r.slots = PLAN_DTYPES.map((d) => layout.slotBytes(d));
  return {
    name: "plan-recorder",
    slotBytes: layout.slotBytes,
    reserveArena: (bytes) => {
      r.arena = bytes;
    },
    activation: (byteOffset, n, dtype) => {
      r.views.push([n, dtype, byteOffset]);
      return new ViewRef(r.views.length - 1, n) as unknown as number[];
    },
    constant: (data) => {
      const t = constants.get(data);
      if (t === undefined) unexpected("a constant that is no tensor's data");
      return new ConstantRef(t) as unknown as number[];
    },
    fixParams: (_kernel, params) => new ParamsRef(params),
    program: (names, lists) => {
      r.names.push(...names);
      r.lists.push(...lists);
      return null;
    },
    buffer: (n, dtype) => {
      r.buffers.push([n, dtype]);
      return new BufferRef(r.buffers.length - 1) as unknown as number[];
    },
    constantStorage: () => unexpected("constant storage"),
    scratch: () => unexpected("a scratch array"),
    copy: () => unexpected("a copy"),
    copyScaled: () => unexpected("a copy"),
    shift: () => unexpected("a shift"),
  };
}

const emptyRecording = (): Recording => ({
  slots: [],
  arena: 0,
  views: [],
  buffers: [],
  names: [],
  lists: [],
});

/** Builds the interpreter over references for one slot layout and captures its program. */
function record(pm: PreparedModel, compact: boolean): Recording & { it: Interpreter } {
  const r = emptyRecording();
  const memory = recordingMemory(pm, compact, r);
  const it = new Interpreter(pm.model, referenceKernels, memory, pm.ops, { streaming: true });
  it.recordProgram();
  if (r.names.length === 0) unexpected("no program");
  return { ...r, it };
}

const viewIndex = (a: unknown): number => (a instanceof ViewRef ? a.index : -1);

/** A recorded call list as text: what must be equal across layouts (offsets aside). */
function listShape(list: unknown[]): string {
  return list
    .map((v) =>
      typeof v === "number"
        ? v
        : v instanceof ViewRef
          ? `v${v.index}`
          : v instanceof ConstantRef
            ? `c${v.tensor}`
            : v instanceof ParamsRef
              ? "p"
              : v instanceof BufferRef
                ? `b${v.index}`
                : "?",
    )
    .join();
}

/**
 * A recorded program as a plan's params, lists and steps (RunPlan): each list and parameter
 * object once, as the runtime shares them; parameters the image's op rows hold already travel
 * as references to them. `allowed`: the argument kinds the plan's device side rebuilds.
 */
function planLists(
  pm: PreparedModel,
  names: string[],
  recorded: unknown[][],
  allowed: string,
): PlanCalls {
  const params: (number | object)[] = [];
  const paramIndex = new Map<unknown, number>();
  const opParam = new Map<unknown, number[]>();
  pm.ops.forEach((op, k) => {
    op.params.forEach((p, j) => {
      if (typeof p === "object" && !opParam.has(p)) opParam.set(p, [k, j]);
    });
  });
  const lists: (string | number)[][] = [];
  const listIndex = new Map<unknown[], number>();
  /** An argument's kind character and number. */
  const arg = (v: unknown): [string, number] => {
    const a = argOf(v);
    if (!allowed.includes(a[0]))
      throw new Error(`run plan: an argument this plan cannot carry (kind ${a[0]})`);
    return a;
  };
  const argOf = (v: unknown): [string, number] => {
    if (typeof v === "number") return [ARG_NUMBER, v];
    if (v instanceof ViewRef) return [ARG_VIEW, v.index];
    if (v instanceof ConstantRef) return [ARG_CONSTANT, v.tensor];
    if (v instanceof BufferRef) return [ARG_BUFFER, v.index];
    if (v instanceof ParamsRef) {
      let i = paramIndex.get(v.params);
      if (i === undefined) {
        const at = opParam.get(v.params);
        i =
          params.push(
            at !== undefined ? ({ op: at } as PlanOpParam) : (v.params as number | object),
          ) - 1;
        paramIndex.set(v.params, i);
      }
      return [ARG_PARAMS, i];
    }
    throw new Error(`run plan: an argument the device could not rebuild (${typeof v})`);
  };
  const steps: number[] = [];
  names.forEach((name, k) => {
    const list = recorded[k];
    let i = listIndex.get(list);
    if (i === undefined) {
      const args = list.map(arg);
      i = lists.push([name, args.map((a) => a[0]).join(""), ...args.map((a) => a[1])]) - 1;
      listIndex.set(list, i);
    } else if (lists[i][0] !== name)
      throw new Error(`run plan: one argument list passed to ${lists[i][0]} and ${name}`);
    steps.push(i);
  });
  return { params, lists, steps };
}

/**
 * The stride program of streaming inference at `strideFrames` (device/runtime/incremental.ts),
 * recorded from the runtime's own IncrementalRunner; null where the model does not stream at
 * that stride. The stride reads state buffers and constants only, never the whole-window arena,
 * so its plan is the same for every slot layout.
 */
export function recordStreamPlan(pm: PreparedModel, strideFrames: number): StreamPlan | null {
  const rows = planRows(pm.model, pm.ops, strideFrames);
  if (rows.problem !== "") return null;
  const r = emptyRecording();
  const memory = recordingMemory(pm, true, r);
  const it = new Interpreter(pm.model, referenceKernels, memory, pm.ops, { streaming: true });
  const runner = new IncrementalRunner(pm.model, pm.ops, rows, it, memory);
  if (r.names.length === 0) unexpected("no stride program");
  const bufferOf = (a: unknown): number => {
    if (!(a instanceof BufferRef)) throw new Error("run plan: a stride array is not a buffer");
    return a.index;
  };
  let stateBytes = 0;
  for (const [n, dtype] of r.buffers) stateBytes += n * deviceElementBytes(dtype);
  return {
    strideFrames,
    inputFirstFrame: runner.inputFirstFrame,
    buffers: r.buffers,
    ...planLists(pm, r.names, r.lists, ARG_NUMBER + ARG_CONSTANT + ARG_PARAMS + ARG_BUFFER),
    input: bufferOf(runner.input),
    output: bufferOf(runner.scores),
    macsPerStride: runner.macsPerStride,
    stateBytes,
  };
}

/**
 * The run plan of a prepared model in the device mode (streaming on, whole window every
 * stride), with the stride program of streaming inference at `strideFrames` where the model
 * streams at it. Throws when the two layouts' recordings differ in anything but offsets.
 */
export function recordRunPlan(pm: PreparedModel, strideFrames = modelStride(pm)): RunPlan {
  const recs = [record(pm, true), record(pm, false)];
  const [a, b] = recs;
  const same =
    a.names.join() === b.names.join() &&
    a.views.length === b.views.length &&
    a.views.every((v, i) => v[0] === b.views[i][0] && v[1] === b.views[i][1]) &&
    a.lists.every((l, k) => listShape(l) === listShape(b.lists[k]));
  if (!same) throw new Error("run plan: the slot layouts planned different runs");
  const it = a.it;
  return {
    layouts: recs.map((r) => r.slots),
    arena: recs.map((r) => r.arena),
    views: a.views.map((v, i) => [v[0], v[1], v[2], b.views[i][2]]),
    ...planLists(pm, a.names, a.lists, ARG_NUMBER + ARG_VIEW + ARG_CONSTANT + ARG_PARAMS),
    input: viewIndex(it.input()),
    quantizedInput: viewIndex(it.quantizedInput()),
    output: viewIndex(it.output()),
    quantizer: it.inputQuantizer(),
    peakBytes: it.arenaPeakBytes,
    macs: it.macs,
    stream: recordStreamPlan(pm, strideFrames),
  };
}

/** The model file with `strideFrames` as its default stride (the same bytes when it is). */
function withStride(modelBytes: ArrayLike<number>, strideFrames: number): ArrayLike<number> {
  const m = decodeModel(Array.from(modelBytes));
  if (lookup(m.meta, "strideFrames", 1) === strideFrames) return modelBytes;
  const meta = m.meta.filter((e) => e.key !== "strideFrames");
  meta.push({ key: "strideFrames", value: strideFrames });
  return encodeModel({ ...m, meta });
}

/** The stride the model's defaults give (the detector's starting setting). */
function modelStride(pm: PreparedModel): number {
  return lookup(pm.model.meta, "strideFrames", 1);
}

/**
 * The model's MFCC / LFBE front end, validated in full (every field, the mel filters): the
 * image bundles do not check it again (targets/es5/image/trusted-config.ts). ModelFormatError
 * for another front-end kind or a bad field.
 */
function checkFrontEnd(pm: PreparedModel): void {
  try {
    validateConfig(frontEndFromKeyValues(pm.model.frontEnd));
  } catch (e) {
    throw new ModelFormatError(
      `device images carry MFCC / LFBE models with a valid front end: ${e instanceof ModelFormatError ? e.reason : (e as Error).message}`,
      -1,
    );
  }
}

/**
 * The device image of a model file as the host sends it to the image bundles: its front end
 * checked in full, with its run plan, and the stride program of streaming inference at
 * `strideFrames` (default: the model's own stride) where the model streams at it. Throws
 * ModelFormatError when the file is not a valid model or its front end is not one the image
 * bundles run.
 */
export function deviceImage(modelBytes: ArrayLike<number>, strideFrames?: number): Uint8Array {
  return plannedImage(modelBytes, strideFrames).bytes;
}

/**
 * deviceImage, and whether the image carries a stride program (the planned streaming bundle).
 * A `strideFrames` other than the model's becomes the image's default stride too: the device
 * starts at the stride its program was recorded for.
 */
export function plannedImage(
  modelBytes: ArrayLike<number>,
  strideFrames?: number,
): { bytes: Uint8Array; streams: boolean } {
  let streams = false;
  const file = strideFrames === undefined ? modelBytes : withStride(modelBytes, strideFrames);
  const bytes = writeDeviceImage(file, (pm) => {
    checkFrontEnd(pm);
    const plan = recordRunPlan(pm, strideFrames ?? modelStride(pm));
    streams = plan.stream !== null;
    return plan;
  });
  return { bytes, streams };
}
