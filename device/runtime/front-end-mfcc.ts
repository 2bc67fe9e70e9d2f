/**
 * Builds the MFCC / LFBE front end for the feature stage. A module of its own so that the device
 * bundle for TFLite Micro models (earshot-device-tflm.js) can swap it for one that refuses
 * (device/tools/device-profiles.ts, targets/es5/one-front-end/no-mfcc.ts).
 */
import type { FrontEndConfig } from "../../shared/features/config";
import { FrontEnd } from "../../shared/features/frontend";

export function newMfccFrontEnd(
  config: FrontEndConfig,
  scratch: (n: number, wide: boolean) => number[],
): FrontEnd {
  return new FrontEnd(config, (n: number) => scratch(n, true));
}
