/**
 * Device profile of the bundles without streaming inference (earshot-device.js,
 * earshot-device-native.js; device/tools/device-profiles.ts): replaces device/runtime/
 * incremental.ts. The hosts give them the models that pad along time, which never stream
 * (engines/device-bundle.ts); the detector then runs the whole window every stride, as it does
 * for such a model with the streaming bundle.
 */
import type { PreparedOp } from "../../../../shared/model-format/prepare";
import type { DeviceModel } from "../../../../shared/model-format/types";
import type { RowPlan } from "../../../runtime/incremental";

export type { RowPlan };

/** Never constructed: planRows always names a problem here. */
export function IncrementalRunner(): void {
  throw new Error("no streaming inference in this bundle");
}

/** Only the problem: the detector reads nothing else of a plan that names one. */
export function planRows(_model: DeviceModel, _steps: PreparedOp[], _stride: number): RowPlan {
  return { problem: "no streaming inference in this bundle" } as RowPlan;
}
