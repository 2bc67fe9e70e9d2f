/** Where `npm run build:device` writes its outputs (gitignored). */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const DEVICE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const BUILD_DIR = join(DEVICE_DIR, "build");
/**
 * The device bundles' error-message dictionary, written beside them (tools/message-codes.ts;
 * engines/protocol.ts puts the text back into `X` lines).
 */
export const DEVICE_MESSAGES_FILE = "device-messages.json";

export interface BuildOutputs {
  es5: string;
  /**
   * The device profile of the ES5 bundle (what the device engines run; tools/bundle-device.ts)
   * for MFCC / LFBE models; es5DeviceTflm the same for TFLite Micro models (front-end kind 2).
   * engines/device-bundle.ts picks one for a model.
   */
  es5Device: string;
  es5DeviceTflm: string;
  /** The MFCC / LFBE device profile without JS kernels, for hosts binding every kernel natively. */
  es5DeviceNative: string;
  /**
   * es5Device and es5DeviceNative leave out streaming inference (for models that pad along
   * time); these carry it, for models that can stream.
   */
  es5DeviceStream: string;
  es5DeviceNativeStream: string;
  /**
   * The native ones loading device images (shared/model-format/image-write.ts) instead of
   * model files: the host sends a model it decoded, validated and prepared.
   */
  es5DeviceImage: string;
  es5DeviceImageStream: string;
  /**
   * The image bundle a streaming device ships: it replays the stride program the image carries
   * (no whole-window run, planner or trace); es5DeviceImageStream serves what it does not.
   */
  es5DeviceImageStreamPlan: string;
  lua: string;
  wasmScalar: string;
  wasmSimd: string;
  duktapeHost: string;
  /** Kernel-call runners (golden kernel tables): ES5 for the Duktape host, Lua. */
  es5Kernels: string;
  luaKernels: string;
  deviceMessages: string;
}

export function buildOutputs(dir = BUILD_DIR): BuildOutputs {
  return {
    es5: join(dir, "earshot-es5.js"),
    es5Device: join(dir, "earshot-device.js"),
    es5DeviceTflm: join(dir, "earshot-device-tflm.js"),
    es5DeviceNative: join(dir, "earshot-device-native.js"),
    es5DeviceStream: join(dir, "earshot-device-stream.js"),
    es5DeviceNativeStream: join(dir, "earshot-device-native-stream.js"),
    es5DeviceImage: join(dir, "earshot-device-image.js"),
    es5DeviceImageStream: join(dir, "earshot-device-image-stream.js"),
    es5DeviceImageStreamPlan: join(dir, "earshot-device-image-stream-plan.js"),
    lua: join(dir, "earshot.lua"),
    wasmScalar: join(dir, "kernels.wasm"),
    wasmSimd: join(dir, "kernels-simd.wasm"),
    duktapeHost: join(dir, "earshot-duk"),
    es5Kernels: join(dir, "earshot-kernels-es5.js"),
    luaKernels: join(dir, "earshot-kernels.lua"),
    deviceMessages: join(dir, DEVICE_MESSAGES_FILE),
  };
}
