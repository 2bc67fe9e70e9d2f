/**
 * Device profile of the whole-window image bundle (earshot-device-image.js; device/tools/
 * device-profiles.ts): replaces device/runtime/interpreter.ts. The host planned the run (the
 * arena, the bands, every call and its arguments: device/runtime/run-plan.ts) and the image
 * carries that plan, so this interpreter only makes the views and argument lists it names and
 * runs them, as one host program where the host has programs. It serves the device mode only:
 * a trace, or a run with streaming off, takes the image-stream bundle (engines/device-bundle.ts).
 */
import type { Kernels, QuantizeParams } from "../../../../shared/kernels/types";
import type { PreparedOp } from "../../../../shared/model-format/prepare";
import type { DeviceModel } from "../../../../shared/model-format/types";
import type { InterpreterOptions } from "../../../runtime/interpreter";
import type { TensorMemory } from "../../../runtime/memory";
import {
  PLAN_DTYPES,
  type PlannedModel,
  planStepArgs,
  type RunPlan,
} from "../../../runtime/run-plan";

type KernelFn = (...args: unknown[]) => void;

/** The layout whose slot sizes are this memory's, or -1. */
function layoutOf(plan: RunPlan, memory: TensorMemory): number {
  for (let l = 0; l < plan.layouts.length; l++) {
    let ok = true;
    for (let i = 0; i < PLAN_DTYPES.length; i++)
      if (plan.layouts[l][i] !== memory.slotBytes(PLAN_DTYPES[i])) ok = false;
    if (ok) return l;
  }
  return -1;
}

export class Interpreter {
  readonly arenaPeakBytes: number;
  readonly macs: number[];
  programSteps = 0;
  private readonly plan: RunPlan;
  private readonly mem: TensorMemory;
  private readonly kernels: Kernels;
  private readonly planViews: number[][];
  /** Per step: its kernel's name, the function (or the memory's copy) and its list. */
  private readonly names: string[] = [];
  private readonly fns: KernelFn[] = [];
  private readonly stepArgs: unknown[][];
  private hostProgram: (() => void) | null = null;
  private recorded = false;

  constructor(
    model: DeviceModel,
    kernels: Kernels,
    memory: TensorMemory,
    _prepared: PreparedOp[] | null,
    options: InterpreterOptions,
  ) {
    const plan = (model as unknown as PlannedModel).plan;
    if (plan === null || plan === undefined)
      throw new Error(
        "this device image has no run plan: write it again with earshot device image",
      );
    if (!options.streaming)
      throw new Error("earshot-device-image.js runs the device mode only (no trace, streaming on)");
    const layout = layoutOf(plan, memory);
    if (layout < 0) throw new Error(`the image's run plan has no layout for ${memory.name} memory`);
    this.plan = plan;
    this.mem = memory;
    this.kernels = kernels;
    this.arenaPeakBytes = plan.peakBytes;
    this.macs = plan.macs;
    memory.reserveArena(plan.arena[layout]);
    this.planViews = [];
    for (let i = 0; i < plan.views.length; i++) {
      const v = plan.views[i];
      this.planViews.push(memory.activation(v[2 + layout], v[0], v[1]));
    }
    this.stepArgs = planStepArgs(plan, this.planViews, model, memory);
    for (let s = 0; s < plan.steps.length; s++) {
      const name = plan.lists[plan.steps[s]][0] as string;
      const copy = name === "copy";
      this.names.push(name);
      this.fns.push((copy ? memory.copy : kernels[name as keyof Kernels]) as unknown as KernelFn);
    }
  }

  private view(i: number): number[] {
    return i < 0 ? [] : this.planViews[i];
  }

  input(): number[] {
    return this.view(this.plan.input);
  }

  inputQuantizer(): QuantizeParams | null {
    return this.plan.quantizer as QuantizeParams | null;
  }

  /** The same as inputQuantizer: the plan is for the device mode, which quantizes the input. */
  leadingQuantizer(): QuantizeParams | null {
    return this.inputQuantizer();
  }

  quantizedInput(): number[] {
    return this.view(this.plan.quantizedInput);
  }

  output(): number[] {
    return this.view(this.plan.output);
  }

  /** Never streams by rows (this bundle has no streaming inference): no ops to plan over. */
  preparedOps(): PreparedOp[] {
    return [];
  }

  invoke(): void {
    if (!this.recorded) {
      this.recorded = true;
      this.hostProgram = this.mem.program(this.names, this.stepArgs);
      this.programSteps = this.hostProgram !== null ? this.names.length : 0;
    }
    if (this.hostProgram !== null) {
      this.hostProgram();
      return;
    }
    const fns = this.fns;
    // Called on the kernel set, as the interpreter calls kernels; the typed memory's copy (a
    // native, or a plain loop) reads no `this`.
    for (let i = 0; i < fns.length; i++) fns[i].apply(this.kernels, this.stepArgs[i]);
  }
}
