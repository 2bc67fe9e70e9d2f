/**
 * Device profile of the image bundles: replaces shared/model-format/prepare.ts. The host
 * prepared every op before it wrote the image (image/load.ts), so the interpreter is always
 * handed them; preparing here would need the preparers this bundle leaves out.
 */

import type { PreparedModel, PreparedOp } from "../../../../shared/model-format/prepare";
import type { DeviceModel } from "../../../../shared/model-format/types";

export type { PreparedModel, PreparedOp };

export function prepareModel(_model: DeviceModel): PreparedOp[] {
  throw new Error("this bundle runs device images only: their ops come prepared");
}
