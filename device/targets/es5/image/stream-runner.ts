/**
 * Device profile of the planned streaming bundle (earshot-device-image-stream-plan.js; device/
 * tools/device-profiles.ts): replaces device/runtime/incremental.ts. The host recorded the
 * runtime's own IncrementalRunner at the image's stride (device/engines/image-plan.ts
 * recordStreamPlan: its state buffers and every call of a stride); this runner makes the
 * buffers and replays that stride, as one host program where the host has programs.
 *
 * Priming without the whole window: every op is VALID along time, so a row of any tensor
 * depends only on the input frames under it. Strides run over the first window from its start
 * (the first one's frames before the window are padding) leave every
 * buffer holding the rows a whole-window run would have put there, and the last of them gives
 * the window's scores; the same integers, at about one whole-window run's cost.
 */
import type { Kernels } from "../../../../shared/kernels/types";
import type { PreparedOp } from "../../../../shared/model-format/prepare";
import type { DeviceModel } from "../../../../shared/model-format/types";
import type { Interpreter } from "../../../runtime/interpreter";
import type { TensorMemory } from "../../../runtime/memory";
import {
  type PlannedModel,
  planStepArgs,
  type RunPlan,
  type StreamPlan,
} from "../../../runtime/run-plan";
import type { FrameWindow } from "../../../runtime/stream/frame-window";

type KernelFn = (...args: unknown[]) => void;

/** Only the problem: the detector reads nothing else of a plan (here always none). */
export interface RowPlan {
  problem: string;
}

/** The image's stream plan (the interpreter refused an image without one). */
function streamPlan(model: DeviceModel): StreamPlan {
  return ((model as unknown as PlannedModel).plan as RunPlan).stream as StreamPlan;
}

/**
 * The image streams at the stride it was recorded for and no other: another one is refused
 * (Detector.configure then changes nothing).
 */
export function planRows(model: DeviceModel, _steps: PreparedOp[], strideFrames: number): RowPlan {
  const s = streamPlan(model).strideFrames;
  if (strideFrames !== s)
    throw new Error(
      "this device image streams at a stride of " +
        s +
        " frames only, not " +
        strideFrames +
        ": send an image recorded at that stride",
    );
  return { problem: "" };
}

export class IncrementalRunner {
  readonly strideFrames: number;
  readonly macsPerStride: number;
  readonly inputFirstFrame: number;
  readonly programSteps: number;
  readonly input: number[];
  readonly scores: number[];
  private readonly memory: TensorMemory;
  /** Per step: its name (a kernel, "shift" or "copy"), its function once bound, its list. */
  private readonly names: string[] = [];
  private readonly fns: KernelFn[] = [];
  private readonly stepArgs: unknown[][];
  private bound: Kernels | null = null;
  private readonly program: (() => void) | null;

  constructor(
    model: DeviceModel,
    _steps: PreparedOp[],
    _plan: RowPlan,
    _it: Interpreter,
    memory: TensorMemory,
  ) {
    const s = streamPlan(model);
    this.memory = memory;
    this.strideFrames = s.strideFrames;
    this.inputFirstFrame = s.inputFirstFrame;
    this.macsPerStride = s.macsPerStride;
    const buffers: number[][] = [];
    for (let i = 0; i < s.buffers.length; i++)
      buffers.push(memory.buffer(s.buffers[i][0], s.buffers[i][1]));
    this.stepArgs = planStepArgs(s, buffers, model, memory);
    for (let i = 0; i < s.steps.length; i++) this.names.push(s.lists[s.steps[i]][0] as string);
    this.input = buffers[s.input];
    this.scores = buffers[s.output];
    this.program = memory.program(this.names, this.stepArgs);
    this.programSteps = this.program !== null ? this.names.length : 0;
  }

  /** Strides over the whole `window` from its first frame (module comment); its scores. */
  prime(_it: Interpreter, window: FrameWindow, k: Kernels): number[] {
    const stride = this.strideFrames;
    let first = this.inputFirstFrame;
    while (first > 0) first -= stride;
    for (; first <= this.inputFirstFrame; first += stride) {
      // The first stride's frames before the window wrap to the ring's newest: padding, whose
      // rows never reach a row of the window.
      window.copyFrames(this.input, first, stride);
      this.step(k);
    }
    return this.scores;
  }

  step(k: Kernels): void {
    if (this.program !== null) {
      this.program();
      return;
    }
    const fns = this.fns;
    if (this.bound !== k) {
      this.bound = k;
      const mem = this.memory;
      for (let i = 0; i < this.names.length; i++) {
        const name = this.names[i];
        fns[i] = (name === "shift"
          ? mem.shift
          : name === "copy"
            ? mem.copy
            : k[name as keyof Kernels]) as unknown as KernelFn;
      }
    }
    // Called on the kernel set, as the runtime calls kernels; the memory's shift and copy (a
    // native, or a plain loop) read no `this`.
    const args = this.stepArgs;
    for (let i = 0; i < fns.length; i++) fns[i].apply(k, args[i]);
  }
}
