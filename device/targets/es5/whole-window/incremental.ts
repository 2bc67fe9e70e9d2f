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

/**
 * Never constructed: the detector builds a runner only from a plan that names no problem, and
 * planRows here always names one (so no message of its own: bytes on every whole-window bundle).
 */
export function IncrementalRunner(): void {}

/** Only the problem: the detector reads nothing else of a plan that names one. */
export function planRows(_model: DeviceModel, _steps: PreparedOp[], _stride: number): RowPlan {
  return { problem: "no streaming inference in this bundle" } as RowPlan;
}
