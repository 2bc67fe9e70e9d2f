/**
 * The device bundles' module swaps (applied by tools/bundle-device.ts). Every device bundle
 * leaves out what the host already checked (TRUSTING); each carries one front end, so a device
 * ships only the one its model needs (device/engines/device-bundle.ts picks the bundle).
 * Paths are tsc outputs relative to its root.
 */

/** Module -> the device profile's replacement. */
export type Swap = [from: string, to: string];

/** What a device need not run: the host validated the model in full, the transport its bytes. */
const TRUSTING: Swap[] = [
  // SHA-256 of the file: the transport (OTA updater) and the host verified it.
  ["shared/model-format/digest.js", "device/targets/es5/trusting/digest.js"],
  // Operand dtypes, exact shapes, requantization and accumulator ranges: checked by the host.
  ["shared/model-format/prepare-checks.js", "device/targets/es5/trusting/prepare-checks.js"],
];

export interface DeviceProfile {
  swaps: Swap[];
  /** Path prefixes no module of the bundle may come from (what the swaps must have cut off). */
  absent: string[];
}

/** The front end a device bundle carries (the model's front-end kind: mfcc and lfbe share one). */
export type BundleFrontEnd = "mfcc" | "tflm-micro";

export const DEVICE_PROFILES: Record<BundleFrontEnd, DeviceProfile> = {
  // earshot-device.js: MFCC / LFBE models.
  mfcc: {
    swaps: [
      ...TRUSTING,
      // The MFCC / LFBE configuration's finer checks: checked by the host.
      ["shared/features/validate-config.js", "device/targets/es5/trusting/validate-config.js"],
      [
        "device/runtime/front-end-tflm-micro.js",
        "device/targets/es5/one-front-end/no-tflm-micro.js",
      ],
    ],
    absent: ["shared/features/tflm-micro/"],
  },
  // earshot-device-tflm.js: models imported from TFLite Micro (front-end kind 2).
  "tflm-micro": {
    swaps: [
      ...TRUSTING,
      ["device/runtime/front-end-mfcc.js", "device/targets/es5/one-front-end/no-mfcc.js"],
    ],
    absent: ["shared/features/frontend.js", "shared/features/mel.js", "shared/features/fft.js"],
  },
};
