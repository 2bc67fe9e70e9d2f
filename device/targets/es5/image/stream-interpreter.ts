/**
 * Device profile of the planned streaming bundle (earshot-device-image-stream-plan.js; device/
 * tools/device-profiles.ts): replaces device/runtime/interpreter.ts. Every inference runs the
 * stride program the host recorded into the image (image/stream-runner.ts), priming included,
 * so nothing runs the whole window here: no arena, no planner, no op binding. This interpreter
 * only holds what the detector and the app read of one: the input quantizer and the figures the
 * host planned for the model (arena, multiply-accumulates).
 */
import type { Kernels, QuantizeParams } from "../../../../shared/kernels/types";
import type { PreparedOp } from "../../../../shared/model-format/prepare";
import type { DeviceModel } from "../../../../shared/model-format/types";
import type { InterpreterOptions } from "../../../runtime/interpreter";
import type { TensorMemory } from "../../../runtime/memory";
import type { PlannedModel, RunPlan } from "../../../runtime/run-plan";

export class Interpreter {
  readonly arenaPeakBytes: number;
  readonly macs: number[];
  readonly programSteps = 0;
  private readonly plan: RunPlan;

  constructor(
    model: DeviceModel,
    _kernels: Kernels,
    _memory: TensorMemory,
    _prepared: PreparedOp[] | null,
    options: InterpreterOptions,
  ) {
    const plan = (model as unknown as PlannedModel).plan;
    // Truthiness, not === null || === undefined twice: bytes of a device bundle.
    if (!plan || !plan.stream)
      throw new Error(
        "this device image has no streaming plan (the model does not stream at its stride): the whole-window image bundle runs it",
      );
    if (!options.streaming)
      throw new Error("earshot-device-image-stream-plan.js runs the device mode only");
    this.plan = plan;
    this.arenaPeakBytes = plan.peakBytes;
    this.macs = plan.macs;
  }

  inputQuantizer(): QuantizeParams | null {
    return this.plan.quantizer as QuantizeParams | null;
  }

  leadingQuantizer(): QuantizeParams | null {
    return this.inputQuantizer();
  }

  /** No whole-window arrays: the stream runner holds the input rows and the scores. */
  input(): number[] {
    return [];
  }

  quantizedInput(): number[] {
    return [];
  }

  output(): number[] {
    return [];
  }

  preparedOps(): PreparedOp[] {
    return [];
  }

  invoke(): void {
    throw new Error("earshot-device-image-stream-plan.js runs streaming inference only");
  }
}
