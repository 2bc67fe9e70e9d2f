/**
 * Plans a model's activation arena: every tensor without constant data (the graph input and
 * each op output) is a buffer live from the op that produces it (op 0 for the input) to the last
 * op that reads it (the end of the graph for the output). Sizes are bytes at the element width
 * (int8 1, int16 2, int32/float32 4, binary: packed words * 4), as a C runtime would lay them out.
 */
import { storedCount } from "../model-format/layout";
import type { DeviceModel } from "../model-format/types";
import { DT_BIN, DT_FLOAT32, DT_INT16, DT_INT32 } from "../model-format/types";
import { GreedyPlanner } from "./greedy";
import type { MemoryPlanner } from "./types";

export interface ArenaPlan {
  /** Arena bytes the plan needs. */
  peak: number;
  /** Per tensor: byte offset in the arena, or -1 for constants. */
  offsets: number[];
  /** Per tensor: buffer bytes (0 for constants). */
  sizes: number[];
  /** Per tensor: first and last op index using it (-1 for constants). */
  firstUse: number[];
  lastUse: number[];
}

/** Bytes of one activation tensor at its element width. */
export function activationBytes(dtype: number, shape: number[]): number {
  const n = storedCount(dtype, shape);
  if (dtype === DT_BIN || dtype === DT_INT32 || dtype === DT_FLOAT32) return n * 4;
  if (dtype === DT_INT16) return n * 2;
  return n;
}

export function planModelArena(model: DeviceModel, planner?: MemoryPlanner): ArenaPlan {
  const p = planner === undefined ? new GreedyPlanner() : planner;
  const nT = model.tensors.length;
  const firstUse: number[] = [];
  const lastUse: number[] = [];
  for (let t = 0; t < nT; t++) {
    firstUse.push(-1);
    lastUse.push(-1);
  }
  firstUse[model.input] = 0;
  lastUse[model.input] = 0;
  for (let i = 0; i < model.ops.length; i++) {
    const op = model.ops[i];
    for (let k = 0; k < op.inputs.length; k++) {
      const t = op.inputs[k];
      if (model.tensors[t].data === null && lastUse[t] < i) lastUse[t] = i;
    }
    for (let k = 0; k < op.outputs.length; k++) {
      const t = op.outputs[k];
      if (firstUse[t] < 0) firstUse[t] = i;
      if (lastUse[t] < i) lastUse[t] = i;
    }
  }
  if (lastUse[model.output] >= 0) lastUse[model.output] = model.ops.length - 1;
  const ids: number[] = [];
  const sizes: number[] = [];
  for (let t = 0; t < nT; t++) {
    const tensor = model.tensors[t];
    const live = tensor.data === null && firstUse[t] >= 0;
    const size = live ? activationBytes(tensor.dtype, tensor.shape) : 0;
    sizes.push(size);
    ids.push(live ? p.addBuffer(size, firstUse[t], lastUse[t]) : -1);
  }
  const offsets: number[] = [];
  for (let t = 0; t < nT; t++) offsets.push(ids[t] >= 0 ? p.getOffset(ids[t]) : -1);
  return { peak: p.getPeak(), offsets, sizes, firstUse, lastUse };
}
