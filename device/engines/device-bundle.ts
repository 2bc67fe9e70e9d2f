/**
 * Which device bundle a device engine runs for a model: the one carrying the model's front end
 * (earshot-device.js MFCC / LFBE, earshot-device-tflm.js TFLite Micro; tools/device-profiles.ts),
 * and for an MFCC / LFBE model on a host that binds every kernel natively, the one without JS
 * kernels (earshot-device-native.js); each MFCC one with streaming inference (`-stream`) only
 * when the model can stream. The host reads these from the model as it decodes it before sending.
 */
import { decodeModelUnverified, decodePrepared } from "../../shared/model-format/decode";
import { KIND_MFCC, KIND_TFLM_MICRO, lookup } from "../runtime/frontend-config";
import { padsAlongTime } from "../runtime/incremental";
import type { EngineName } from "./names";
import type { BuildOutputs } from "./paths";

/** Engines whose host binds every kernel as a native (C or wasm) unless told not to. */
export const NATIVE_KERNEL_ENGINES: readonly EngineName[] = [
  "espruino-native",
  "jerryscript-native",
  "wasm3",
];

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

/**
 * Whether the model can stream (no window op pads along time); false when it does not decode.
 * The detector still decides per stride (incremental.ts planRows).
 */
export function canStream(model: Uint8Array): boolean {
  try {
    return !padsAlongTime(decodePrepared(model as unknown as number[]).ops);
  } catch {
    return false;
  }
}

/** How the engine runs the bundle: its name, and whether its natives are off (RunOptions). */
export interface BundleHost {
  engine: EngineName;
  noNatives: boolean;
  /** The host sends the model's device image (RunOptions.image): the image bundles. */
  image?: boolean;
  /**
   * The run traces or turns streaming off: the whole-window image bundle (which replays the
   * image's run plan, recorded for the device mode) cannot serve it; the image-stream one can.
   */
  notDeviceMode?: boolean;
  /**
   * The image carries a stride program (image-plan.ts recordStreamPlan) and the run keeps to
   * its stride with streaming inference on: the planned streaming bundle, what a streaming
   * device ships, runs it.
   */
  plannedStream?: boolean;
}

/**
 * The bundle for `model`; a file that does not decode gets the default, whose device refuses it
 * (the native bundle too refuses what it cannot decode).
 */
export function deviceBundleFor(model: Uint8Array, out: BuildOutputs, host?: BundleHost): string {
  const kind = frontEndKindOf(model);
  if (kind === KIND_TFLM_MICRO) return out.es5DeviceTflm;
  // espruino-native always binds its natives (RunOptions.noNatives does not apply there).
  const natives =
    host !== undefined &&
    NATIVE_KERNEL_ENGINES.includes(host.engine) &&
    (host.engine === "espruino-native" || !host.noNatives);
  const stream = canStream(model);
  if (natives && host?.image === true) {
    if (host.notDeviceMode !== true && host.plannedStream === true)
      return out.es5DeviceImageStreamPlan;
    return stream || host.notDeviceMode === true ? out.es5DeviceImageStream : out.es5DeviceImage;
  }
  if (natives) return stream ? out.es5DeviceNativeStream : out.es5DeviceNative;
  return stream ? out.es5DeviceStream : out.es5Device;
}
