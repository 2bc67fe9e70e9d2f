/**
 * Device profile of the JS-kernel bundles (earshot-device.js, earshot-device-tflm.js; device/
 * tools/device-profiles.ts): replaces device/runtime/stream/direct-frames.ts. Their hosts have no
 * native front end that quantizes (none at all, or a tflm-micro front end), so the detector never
 * runs in direct mode and the bundle need not carry it.
 */
import type { FrontEnd } from "../../../../shared/features/frontend";
import type { InputNorm } from "../../../../shared/features/input-norm";
import type { QuantizeParams } from "../../../../shared/kernels/types";
import type { FrontEndIntrinsic } from "../../../runtime/frontend-intrinsic";
import type { DirectFrames } from "../../../runtime/stream/direct-frames";

export type { DirectFrames };

export function directFrames(
  _intrinsic: FrontEndIntrinsic | null,
  _frontEnd: FrontEnd,
  _norm: InputNorm | null,
  _q: QuantizeParams,
  _ring: number[],
  _rate: number,
): DirectFrames | null {
  return null;
}
