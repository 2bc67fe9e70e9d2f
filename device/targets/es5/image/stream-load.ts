/**
 * Device profile of the planned streaming bundle (earshot-device-image-stream-plan.js; device/
 * tools/device-profiles.ts): replaces device/runtime/load.ts. As image/planned-load.ts, for the
 * image's stride program (image/stream-runner.ts) rather than its whole-window run plan.
 */
import type { Kernels } from "../../../../shared/kernels/types";
import { readDeviceImage } from "../../../../shared/model-format/image-read";
import type { DeviceModel } from "../../../../shared/model-format/types";
import { Detector } from "../../../runtime/detector";
import type { FrontEndIntrinsic } from "../../../runtime/frontend-intrinsic";
import type { TensorMemory } from "../../../runtime/memory";
import type { PlannedModel, PlanOpParam, RunPlan } from "../../../runtime/run-plan";

/**
 * As device/runtime/load.ts loadDetector, from an image's bytes (its run plan on the model).
 * Every argument given: the app passes them all (defaults cost the bundle their checks).
 */
export function loadDetector(
  bytes: number[],
  kernels: Kernels,
  memory: TensorMemory,
  clock: () => number,
  frontEnd: FrontEndIntrinsic | null,
  streaming: boolean,
  incremental: boolean,
): Detector {
  const { model, rows, plan } = readDeviceImage(
    bytes,
    (count: number, dtype: number, bits: number) => memory.constantStorage(count, dtype, bits),
  );
  bytes = [];
  withStreamPlan(model, rows, plan);
  return new Detector(model, kernels, memory, clock, frontEnd, null, streaming, incremental);
}

/**
 * Puts an image's run plan on its model, the stride program's parameters that an op row holds
 * (a row's sixth field) in their places; the interpreter refuses an image without a program.
 */
export function withStreamPlan(model: DeviceModel, rows: unknown[], plan: unknown): void {
  const p = plan as RunPlan | null;
  // biome-ignore lint/complexity/useOptionalChain: ES5 spells a chain out at length (bundle bytes)
  const params = p && p.stream ? p.stream.params : [];
  for (let i = 0; i < params.length; i++) {
    const at = (params[i] as PlanOpParam).op;
    if (at !== undefined) params[i] = ((rows[at[0]] as unknown[])[5] as object[])[at[1]];
  }
  (model as unknown as PlannedModel).plan = p;
}
