/**
 * Native device profiles (earshot-device-native*.js; device/tools/device-profiles.ts): replaces
 * device/runtime/front-end-mfcc.ts. The native hosts build the MFCC / LFBE front end's tables in
 * C from its configuration (device/targets/c-kernels/frontend-tables.c) and compute every frame
 * there, so this bundle carries neither the tables' code (FFT, mel filterbank, DCT, detmath's
 * cos / log / exp) nor a JS copy of the tables: the front end here is its configuration and
 * sizes. native-entry.ts refuses a host without the native front end.
 */
import {
  coeffCount,
  type FrontEndConfig,
  hopLength,
  windowLength,
} from "../../../../shared/features/config";
import type { FrontEndShape } from "../../../../shared/features/frontend";
import { validateConfig } from "../../../../shared/features/validate-config";
import type { FrameComputer } from "../../../runtime/stream/feature-stage";

export function newMfccFrontEnd(
  config: FrontEndConfig,
  _scratch: (n: number, wide: boolean) => number[],
): FrontEndShape & FrameComputer {
  const cfg = validateConfig(config);
  return {
    config: cfg,
    windowLength: windowLength(cfg),
    hopLength: hopLength(cfg),
    coeffs: coeffCount(cfg),
    computeFrame: (): void => {
      throw new Error("earshot-device-native.js computes frames natively only");
    },
  };
}
