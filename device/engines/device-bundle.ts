/**
 * Which device bundle a device engine runs for a model: the one carrying the model's front end
 * (earshot-device.js MFCC / LFBE, earshot-device-tflm.js TFLite Micro; tools/device-profiles.ts).
 * The host reads the front-end kind from the model as it decodes it before sending.
 */
import { decodeModelUnverified } from "../../shared/model-format/decode";
import { KIND_MFCC, KIND_TFLM_MICRO, lookup } from "../runtime/frontend-config";
import type { BuildOutputs } from "./paths";

/** The model's front-end kind (frontend-config.ts KIND_*), or null when it does not decode. */
export function frontEndKindOf(model: Uint8Array): number | null {
  try {
    // Typed arrays index like arrays; the decoder only reads them.
    const m = decodeModelUnverified(model as unknown as number[]);
    return lookup(m.frontEnd, "kind", KIND_MFCC);
  } catch {
    return null;
  }
}

/** The bundle for `model`; a file that does not decode gets the default, whose device refuses it. */
export function deviceBundleFor(model: Uint8Array, out: BuildOutputs): string {
  return frontEndKindOf(model) === KIND_TFLM_MICRO ? out.es5DeviceTflm : out.es5Device;
}
