/**
 * The graph interpreter: owns a model's tensors, plans the activation arena once, and runs one
 * inference as a sequence of per-layer kernel calls. No allocation after construction.
 */
import { type BoundOp, bindOp, runBound } from "../../shared/kernels/dispatch";
import type { Kernels, QuantizeParams } from "../../shared/kernels/types";
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
import { bandSizes, ConvPoolBand, fusable } from "./conv-pool-band";
import { fixedArgs, type TensorMemory } from "./memory";

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

/** How the interpreter runs a model. */
export interface InterpreterOptions {
  /**
   * Device mode: when the graph starts by quantizing its float input, the caller writes the
   * quantized window (`quantizedInput`) and the float input takes no memory; a conv that only
   * a non-overlapping pool reads runs band by band (conv-pool-band.ts). Off: every op's output
   * exists, so a trace can print each layer.
   */
  streaming: boolean;
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
  private readonly memory: TensorMemory;
  /** The first op `invoke()` runs: 1 when the caller writes the quantized input itself. */
  private readonly first: number;
  /** Per op: index in `bands` when it starts a fused conv + pool pair, else -1 (Lua arrays
   * cannot hold null). */
  private readonly bandAt: number[];
  private readonly bands: ConvPoolBand[];
  /** Per op: its kernel bound to `arrays` (which never change after construction). */
  private readonly calls: BoundOp[];
  /** What `invoke()` runs, in order: each op's bound call, a fused pair's band as one. */
  private readonly sequence: BoundOp[];
  /**
   * The same as one host call (TensorMemory.program), or null: invoke() makes the calls.
   * Recorded by the first whole invoke() (a streaming runner that primes op by op never needs it).
   */
  private program: (() => void) | null = null;
  private recorded = false;
  /** Steps of that program (0: none, or not recorded: the calls run from JS). */
  programSteps = 0;

  /** `prepared`: the ops decodePrepared already derived (else they are prepared here). */
  constructor(
    model: DeviceModel,
    kernels: Kernels,
    memory: TensorMemory,
    prepared: PreparedOp[] | null = null,
    options: InterpreterOptions = { streaming: false },
  ) {
    this.model = model;
    this.k = kernels;
    this.memory = memory;
    const nT = model.tensors.length;
    const steps = prepared !== null ? prepared : prepareModel(model);
    this.steps = steps;
    let intMacs = 0;
    let binMacs = 0;
    for (let k = 0; k < steps.length; k++) {
      const s = steps[k];
      if (s.spec.macs === "binary") binMacs += s.macs;
      else if (s.spec.macs === "int") intMacs += s.macs;
    }
    this.macs = [intMacs, binMacs];

    this.first = options.streaming && leadingQuantize(model, steps) ? 1 : 0;
    const fused: boolean[] = [];
    for (let k = 0; k < steps.length; k++) {
      fused.push(options.streaming && !(k > 0 && fused[k - 1]) && fusable(model, steps, k));
    }
    // Tensors nobody materializes: the float input (quantized by the caller), fused conv outputs.
    const skip: boolean[] = [];
    for (let t = 0; t < nT; t++) skip.push(this.first === 1 && t === model.input);
    for (let k = 0; k < steps.length; k++) if (fused[k]) skip[steps[k].outputs[0]] = true;

    // Plan twice: with device element sizes (reported) and with this engine's slots (realized).
    const life = lifetimes(model);
    // A fused pair reads its conv's input and writes its pool's output during both its ops.
    for (let k = 0; k < steps.length; k++) {
      if (!fused[k]) continue;
      const a = steps[k].inputs[0];
      const b = steps[k + 1].outputs[0];
      if (life.last[a] < k + 1) life.last[a] = k + 1;
      if (life.first[b] > k) life.first[b] = k;
    }
    const device = new GreedyPlanner();
    const slots = new GreedyPlanner();
    let total = 0;
    const add = (n: number, dtype: number, first: number, last: number): number => {
      const bytes = n * deviceElementBytes(dtype);
      total += bytes;
      device.addBuffer(bytes, first, last);
      // Slot sizes rounded to 8 bytes keep every offset aligned for float64 views.
      const slotSize = Math.floor((n * memory.slotBytes(dtype) + 7) / 8) * 8;
      return slots.addBuffer(slotSize, first, last);
    };
    const ids: number[] = [];
    for (let t = 0; t < nT; t++) {
      const tensor = model.tensors[t];
      if (tensor.data !== null || life.first[t] < 0 || skip[t]) ids.push(-1);
      else
        ids.push(
          add(storedCount(tensor.dtype, tensor.shape), tensor.dtype, life.first[t], life.last[t]),
        );
    }
    // Band buffers of each fused pair live while its two ops run.
    const bandIds: number[][] = [];
    for (let k = 0; k < steps.length; k++) {
      if (!fused[k]) continue;
      const sizes = bandSizes(steps[k], steps[k + 1]);
      const inT = model.tensors[steps[k].inputs[0]].dtype;
      const outT = model.tensors[steps[k].outputs[0]].dtype;
      const poolT = model.tensors[steps[k + 1].outputs[0]].dtype;
      bandIds.push([
        add(sizes[0], inT, k, k + 1),
        add(sizes[1], outT, k, k + 1),
        add(sizes[2], poolT, k, k + 1),
      ]);
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
    this.bands = [];
    this.bandAt = [];
    let b = 0;
    for (let k = 0; k < steps.length; k++) {
      if (!fused[k]) {
        this.bandAt.push(-1);
        continue;
      }
      this.bandAt.push(this.bands.length);
      const sizes = bandSizes(steps[k], steps[k + 1]);
      const dtypes = [
        model.tensors[steps[k].inputs[0]].dtype,
        model.tensors[steps[k].outputs[0]].dtype,
        model.tensors[steps[k + 1].outputs[0]].dtype,
      ];
      const views: number[][] = [];
      for (let i = 0; i < 3; i++) {
        views.push(memory.activation(slots.getOffset(bandIds[b][i]), sizes[i], dtypes[i]));
      }
      b++;
      this.bands.push(new ConvPoolBand(kernels, steps[k], steps[k + 1], this.arrays, views));
    }
    this.calls = [];
    for (let k = 0; k < steps.length; k++) this.calls.push(bindOp(kernels, steps[k], this.arrays));
    this.sequence = [];
    for (let k = this.first; k < steps.length; k++) {
      const band = this.bandAt[k];
      if (band < 0) {
        this.sequence.push(this.calls[k]);
        continue;
      }
      const b = this.bands[band];
      this.sequence.push({
        fn: b.run as unknown as BoundOp["fn"],
        self: b,
        args: [kernels, memory],
      });
      k++;
    }
  }

  /** The whole run as a host program (TensorMemory.program), or null; `names` gets its steps. */
  private record(steps: PreparedOp[], names: string[]): (() => void) | null {
    const lists: unknown[][] = [];
    for (let k = this.first; k < steps.length; k++) {
      const band = this.bandAt[k];
      if (band >= 0) {
        this.bands[band].record(this.memory, names, lists);
        k++;
        continue;
      }
      const kernel = steps[k].spec.kernel;
      names.push(kernel);
      lists.push(fixedArgs(this.memory, kernel, this.calls[k].args, steps[k].inputs.length));
    }
    return this.memory.program(names, lists);
  }

  /**
   * Records the whole run as a host program now (the first whole invoke() does it otherwise):
   * the host records a device image's run plan this way (device/engines/image-plan.ts).
   */
  recordProgram(): void {
    this.recorded = true;
    const names: string[] = [];
    this.program = this.record(this.steps, names);
    this.programSteps = this.program !== null ? names.length : 0;
  }

  /** The graph input array (float features, [frames, coefficients] flattened): write into it. */
  input(): number[] {
    return this.arrays[this.model.input];
  }

  /**
   * In streaming mode, when the graph starts by quantizing its input: the quantize op's
   * parameters (the caller quantizes each frame with them) and its output array, which the
   * caller fills with the quantized window before `invoke()`. Else null and [].
   */
  inputQuantizer(): QuantizeParams | null {
    return this.first === 1 ? (this.steps[0].params[0] as QuantizeParams) : null;
  }

  /** The leading quantize op's parameters, streaming or not (null when the graph has none). */
  leadingQuantizer(): QuantizeParams | null {
    return leadingQuantize(this.model, this.steps)
      ? (this.steps[0].params[0] as QuantizeParams)
      : null;
  }

  quantizedInput(): number[] {
    return this.first === 1 ? this.arrays[this.steps[0].outputs[0]] : [];
  }

  /** The graph output array (scores), valid after `invoke` until the next one. */
  output(): number[] {
    return this.arrays[this.model.output];
  }

  /** The current contents of tensor `t` (activations are overwritten as the arena is reused). */
  tensor(t: number): number[] {
    return this.arrays[t];
  }

  /** The prepared ops, in run order (streaming inference plans over them). */
  preparedOps(): PreparedOp[] {
    return this.steps;
  }

  opCount(): number {
    return this.steps.length;
  }

  /** Output tensor index of op `k`. */
  opOutput(k: number): number {
    return this.steps[k].outputs[0];
  }

  /**
   * Runs ops [from, to): `invoke()` runs all (from the first op the caller did not do itself);
   * tracing runs them one at a time (streaming off: no fused pairs).
   */
  invoke(from = -1, to = -1): void {
    if (from < 0 && to < 0 && !this.recorded) this.recordProgram();
    if (from < 0 && to < 0 && this.program !== null) {
      this.program();
      return;
    }
    if (from < 0 && to < 0) {
      // The whole run: one flat loop over the bound calls (what a device does every stride).
      const seq = this.sequence;
      for (let k = 0; k < seq.length; k++) {
        // runBound inlined: a JS call per op is what this loop exists to save on Espruino.
        const b = seq[k];
        b.fn.apply(b.self, b.args);
      }
      return;
    }
    const end = to < 0 ? this.steps.length : to;
    let i = from < 0 ? this.first : from;
    while (i < end) i = this.invokeStep(i);
  }

  /**
   * Runs op i, or the fused conv + pool pair starting there; returns the next op to run. Each
   * output it wrote holds its values until a later op reuses the memory.
   */
  invokeStep(i: number): number {
    const band = this.bandAt[i];
    if (band >= 0) {
      this.bands[band].run(this.k, this.memory);
      return i + 2;
    }
    runBound(this.calls[i]);
    return i + 1;
  }
}

/** The graph's first op quantizes the float input, and no other op reads that input. */
function leadingQuantize(m: DeviceModel, steps: PreparedOp[]): boolean {
  if (steps[0].spec.kernel !== "quantize" || steps[0].inputs[0] !== m.input) return false;
  for (let k = 1; k < steps.length; k++) {
    for (let j = 0; j < steps[k].inputs.length; j++)
      if (steps[k].inputs[j] === m.input) return false;
  }
  return true;
}
