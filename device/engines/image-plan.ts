/**
 * Records a model's run plan (device/runtime/run-plan.ts) on the host: the device runtime's own
 * interpreter is built over a memory that hands out references instead of arrays, once per
 * slot layout, and its host program (TensorMemory.program) is captured instead of run. What the
 * image bundle replays is therefore exactly what the interpreter would have set up and called
 * on the device, planner and band runner included.
 */

import { validateConfig } from "../../shared/features/validate-config";
import { referenceKernels } from "../../shared/kernels/reference";
import { ModelFormatError } from "../../shared/model-format/errors";
import { writeDeviceImage } from "../../shared/model-format/image-write";
import type { PreparedModel } from "../../shared/model-format/prepare";
import { frontEndFromKeyValues } from "../runtime/frontend-config";
import { Interpreter } from "../runtime/interpreter";
import type { TensorMemory } from "../runtime/memory";
import {
  ARG_CONSTANT,
  ARG_NUMBER,
  ARG_PARAMS,
  ARG_VIEW,
  PLAN_DTYPES,
  type PlanOpParam,
  type RunPlan,
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

interface Recording {
  /** The slot bytes of each of PLAN_DTYPES. */
  slots: number[];
  arena: number;
  views: number[][];
  names: string[];
  lists: unknown[][];
  it: Interpreter;
}

function unexpected(what: string): never {
  throw new Error(`run plan: the interpreter asked the recording memory for ${what}`);
}

/** Builds the interpreter over references for one slot layout and captures its program. */
function record(pm: PreparedModel, compact: boolean): Recording {
  const layout = typedMemory({}, false, compact);
  const constants = new Map<unknown, number>();
  pm.model.tensors.forEach((t, i) => {
    if (t.data !== null) constants.set(t.data, i);
  });
  const r: Omit<Recording, "it"> = {
    slots: PLAN_DTYPES.map((d) => layout.slotBytes(d)),
    arena: 0,
    views: [],
    names: [],
    lists: [],
  };
  let captured = false;
  const memory: TensorMemory = {
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
      captured = true;
      return null;
    },
    constantStorage: () => unexpected("constant storage"),
    scratch: () => unexpected("a scratch array"),
    buffer: () => unexpected("a buffer"),
    copy: () => unexpected("a copy"),
    copyScaled: () => unexpected("a copy"),
    shift: () => unexpected("a shift"),
  };
  const it = new Interpreter(pm.model, referenceKernels, memory, pm.ops, { streaming: true });
  it.recordProgram();
  if (!captured) unexpected("no program");
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
              : "?",
    )
    .join();
}

/**
 * The run plan of a prepared model in the device mode (streaming on, whole window every
 * stride). Throws when the two layouts' recordings differ in anything but offsets.
 */
export function recordRunPlan(pm: PreparedModel): RunPlan {
  const recs = [record(pm, true), record(pm, false)];
  const [a, b] = recs;
  const same =
    a.names.join() === b.names.join() &&
    a.views.length === b.views.length &&
    a.views.every((v, i) => v[0] === b.views[i][0] && v[1] === b.views[i][1]) &&
    a.lists.every((l, k) => listShape(l) === listShape(b.lists[k]));
  if (!same) throw new Error("run plan: the slot layouts planned different runs");
  const params: (number | object)[] = [];
  const paramIndex = new Map<unknown, number>();
  // Parameters the image's op rows hold already travel as references to them.
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
    if (typeof v === "number") return [ARG_NUMBER, v];
    if (v instanceof ViewRef) return [ARG_VIEW, v.index];
    if (v instanceof ConstantRef) return [ARG_CONSTANT, v.tensor];
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
  a.names.forEach((name, k) => {
    const list = a.lists[k];
    let i = listIndex.get(list);
    if (i === undefined) {
      const args = list.map(arg);
      i = lists.push([name, args.map((a) => a[0]).join(""), ...args.map((a) => a[1])]) - 1;
      listIndex.set(list, i);
    } else if (lists[i][0] !== name)
      throw new Error(`run plan: one argument list passed to ${lists[i][0]} and ${name}`);
    steps.push(i);
  });
  const it = a.it;
  return {
    layouts: recs.map((r) => r.slots),
    arena: recs.map((r) => r.arena),
    views: a.views.map((v, i) => [v[0], v[1], v[2], b.views[i][2]]),
    params,
    lists,
    steps,
    input: viewIndex(it.input()),
    quantizedInput: viewIndex(it.quantizedInput()),
    output: viewIndex(it.output()),
    quantizer: it.inputQuantizer(),
    peakBytes: it.arenaPeakBytes,
    macs: it.macs,
  };
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
 * checked in full, with its run plan. Throws ModelFormatError when the file is not a valid
 * model or its front end is not one the image bundles run.
 */
export function deviceImage(modelBytes: ArrayLike<number>): Uint8Array {
  return writeDeviceImage(modelBytes, (pm) => {
    checkFrontEnd(pm);
    return recordRunPlan(pm);
  });
}
