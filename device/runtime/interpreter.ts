/**
 * The graph interpreter: owns a model's tensors, plans the activation arena once, and runs one
 * inference as a sequence of per-layer kernel calls. No allocation after construction.
 */
import { runOp } from "../../shared/kernels/dispatch";
import type { Kernels } from "../../shared/kernels/types";
import { storedCount } from "../../shared/model-format/layout";
import { type PreparedOp, prepareModel } from "../../shared/model-format/prepare";
import {
  type DeviceModel,
  DT_BIN,
  DT_FLOAT32,
  DT_INT16,
  DT_INT32,
} from "../../shared/model-format/types";
import { GreedyPlanner } from "../../shared/planner/greedy";
import type { TensorMemory } from "./memory";

/** Bytes one stored element of an activation takes on a C target (binary: per packed word). */
export function deviceElementBytes(dtype: number): number {
  if (dtype === DT_INT16) return 2;
  if (dtype === DT_INT32 || dtype === DT_FLOAT32 || dtype === DT_BIN) return 4;
  return 1;
}

/** Lifetimes of the activation tensors: first producer/consumer op and last consumer op. */
interface Lifetimes {
  first: number[];
  last: number[];
}

function lifetimes(m: DeviceModel): Lifetimes {
  const first: number[] = [];
  const last: number[] = [];
  for (let i = 0; i < m.tensors.length; i++) {
    first.push(-1);
    last.push(-1);
  }
  const touch = (t: number, op: number) => {
    if (first[t] < 0) first[t] = op;
    last[t] = op;
  };
  touch(m.input, 0);
  for (let k = 0; k < m.ops.length; k++) {
    const op = m.ops[k];
    for (let i = 0; i < op.inputs.length; i++) touch(op.inputs[i], k);
    for (let i = 0; i < op.outputs.length; i++) touch(op.outputs[i], k);
  }
  // The output must survive the whole inference, until the caller reads it.
  touch(m.output, m.ops.length);
  return { first, last };
}

export class Interpreter {
  readonly model: DeviceModel;
  /** Arena bytes a C target needs with real element sizes (int8 = 1 byte, ...). */
  readonly arenaPeakBytes: number;
  /** Sum of all activation sizes without reuse: what the plan saves against. */
  readonly activationBytes: number;
  /** Multiply-accumulates per inference: [integer, binary]. */
  readonly macs: number[];
  private readonly steps: PreparedOp[];
  /** Array of each tensor (activation view or constant), by tensor index. */
  private readonly arrays: number[][];
  private readonly k: Kernels;

  /** `prepared`: the ops decodePrepared already derived (else they are prepared here). */
  constructor(
    model: DeviceModel,
    kernels: Kernels,
    memory: TensorMemory,
    prepared: PreparedOp[] | null = null,
  ) {
    this.model = model;
    this.k = kernels;
    const nT = model.tensors.length;
    this.steps = prepared !== null ? prepared : prepareModel(model);
    let intMacs = 0;
    let binMacs = 0;
    for (let k = 0; k < this.steps.length; k++) {
      const s = this.steps[k];
      if (s.spec.macs === "binary") binMacs += s.macs;
      else if (s.spec.macs === "int") intMacs += s.macs;
    }
    this.macs = [intMacs, binMacs];

    // Plan twice: with device element sizes (reported) and with this engine's slots (realized).
    const life = lifetimes(model);
    const device = new GreedyPlanner();
    const slots = new GreedyPlanner();
    const ids: number[] = [];
    let total = 0;
    for (let t = 0; t < nT; t++) {
      const tensor = model.tensors[t];
      if (tensor.data !== null || life.first[t] < 0) {
        ids.push(-1);
        continue;
      }
      const n = storedCount(tensor.dtype, tensor.shape);
      const bytes = n * deviceElementBytes(tensor.dtype);
      total += bytes;
      device.addBuffer(bytes, life.first[t], life.last[t]);
      // Slot sizes rounded to 8 bytes keep every offset aligned for float64 views.
      const slotSize = Math.floor((n * memory.slotBytes(tensor.dtype) + 7) / 8) * 8;
      ids.push(slots.addBuffer(slotSize, life.first[t], life.last[t]));
    }
    this.arenaPeakBytes = device.getPeak();
    this.activationBytes = total;
    memory.reserveArena(slots.getPeak());

    this.arrays = [];
    for (let t = 0; t < nT; t++) {
      const tensor = model.tensors[t];
      if (tensor.data !== null) {
        this.arrays.push(memory.constant(tensor.data));
      } else if (ids[t] >= 0) {
        const n = storedCount(tensor.dtype, tensor.shape);
        this.arrays.push(memory.activation(slots.getOffset(ids[t]), n, tensor.dtype));
      } else {
        this.arrays.push([]);
      }
    }
  }

  /** The graph input array (float features, [frames, coefficients] flattened): write into it. */
  input(): number[] {
    return this.arrays[this.model.input];
  }

  /** The graph output array (scores), valid after `invoke` until the next one. */
  output(): number[] {
    return this.arrays[this.model.output];
  }

  /** The current contents of tensor `t` (activations are overwritten as the arena is reused). */
  tensor(t: number): number[] {
    return this.arrays[t];
  }

  opCount(): number {
    return this.steps.length;
  }

  /** Output tensor index of op `k`. */
  opOutput(k: number): number {
    return this.steps[k].outputs[0];
  }

  /** Runs ops [from, to): `invoke()` runs all; tracing runs them one at a time. */
  invoke(from = 0, to = -1): void {
    const end = to < 0 ? this.steps.length : to;
    for (let i = from; i < end; i++) runOp(this.k, this.steps[i], this.arrays);
  }
}
