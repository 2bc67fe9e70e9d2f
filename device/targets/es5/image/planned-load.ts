/**
 * Device profile of the whole-window image bundle (earshot-device-image.js; device/tools/
 * device-profiles.ts): replaces device/runtime/load.ts. As image/load.ts, but the interpreter
 * replays the image's run plan (image/interpreter.ts), so the ops need no preparing here.
 */
import type { Kernels } from "../../../../shared/kernels/types";
import { readDeviceImage } from "../../../../shared/model-format/image-read";
import { Detector } from "../../../runtime/detector";
import type { FrontEndIntrinsic } from "../../../runtime/frontend-intrinsic";
import type { TensorMemory } from "../../../runtime/memory";
import type { PlannedModel, PlanOpParam, RunPlan } from "../../../runtime/run-plan";

/**
 * An image's run plan (null: it has none) with the parameters it names by op replaced by the op
 * rows' objects (a row's parameters are its sixth field).
 */
export function resolvedPlan(plan: unknown, rows: unknown[]): RunPlan | null {
  const p = plan as RunPlan | null;
  if (p === null) return null;
  for (let i = 0; i < p.params.length; i++) {
    const at = (p.params[i] as PlanOpParam).op;
    if (at !== undefined) p.params[i] = ((rows[at[0]] as unknown[])[5] as object[])[at[1]];
  }
  return p;
}

/** As device/runtime/load.ts loadDetector, from an image's bytes (its run plan on the model). */
export function loadDetector(
  bytes: number[],
  kernels: Kernels,
  memory: TensorMemory,
  clock: () => number,
  frontEnd: FrontEndIntrinsic | null = null,
  streaming = false,
  incremental = true,
): Detector {
  const { model, rows, plan } = readDeviceImage(
    bytes,
    (count: number, dtype: number, bits: number) => memory.constantStorage(count, dtype, bits),
  );
  bytes = [];
  (model as unknown as PlannedModel).plan = resolvedPlan(plan, rows);
  return new Detector(model, kernels, memory, clock, frontEnd, null, streaming, incremental);
}
