/**
 * Device profile of earshot-device.js (device/tools/device-profiles.ts): replaces
 * device/runtime/front-end-tflm-micro.ts, so the MFCC / LFBE bundle does not carry the TFLite
 * Micro front end; a tflm-micro model is refused, naming the bundle that runs it.
 */
import type { TflmMicroConfig } from "../../../../shared/features/tflm-micro/config";
import type { TflmMicroFrontEnd } from "../../../../shared/features/tflm-micro/frontend";
import { ModelFormatError } from "../../../../shared/model-format/errors";
import type { KeyValue } from "../../../../shared/model-format/types";
import type { Int8FrameInput } from "../../../runtime/front-end-tflm-micro";

function missing(): ModelFormatError {
  return new ModelFormatError(
    "front end tflm-micro is not in this device bundle (earshot-device.js: mfcc / lfbe only): run the model with earshot-device-tflm.js",
    -1,
  );
}

export function tflmMicroConfigFromKeyValues(_kvs: KeyValue[]): TflmMicroConfig {
  throw missing();
}

/** Never called: the feature stage refused the front end first. */
export function int8FrameInput(): Int8FrameInput {
  throw missing();
}

export function newTflmMicroFrontEnd(
  _config: TflmMicroConfig,
  _scratch: (n: number, wide: boolean) => number[],
): TflmMicroFrontEnd {
  throw missing();
}
