/**
 * Device profile of earshot-device-tflm.js (device/tools/device-profiles.ts): replaces
 * device/runtime/front-end-mfcc.ts, so the TFLite Micro bundle does not carry the MFCC / LFBE
 * front end; such a model is refused, naming the bundle that runs it.
 */
import type { FrontEndConfig } from "../../../../shared/features/config";
import type { FrontEnd } from "../../../../shared/features/frontend";
import { ModelFormatError } from "../../../../shared/model-format/errors";

export function newMfccFrontEnd(
  config: FrontEndConfig,
  _scratch: (n: number, wide: boolean) => number[],
): FrontEnd {
  throw new ModelFormatError(
    `front end ${config.kind} is not in this device bundle (earshot-device-tflm.js: tflm-micro only): run the model with earshot-device.js`,
    -1,
  );
}
