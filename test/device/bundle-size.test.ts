import { statSync } from "node:fs";
import { basename } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildOutputs } from "../../device/engines/paths";
import { buildDevice } from "../../device/tools/build";
import { type DeviceProfileName, SIZE_BUDGET } from "../../device/tools/device-profiles";

/** Each device profile's bundle (device/tools/build.ts builds one per profile). */
const out = buildOutputs();
const BUNDLES: [DeviceProfileName, string][] = [
  ["mfcc", out.es5Device],
  ["mfcc-stream", out.es5DeviceStream],
  ["native", out.es5DeviceNative],
  ["native-stream", out.es5DeviceNativeStream],
  ["native-image", out.es5DeviceImage],
  ["native-image-stream", out.es5DeviceImageStream],
  ["native-image-stream-plan", out.es5DeviceImageStreamPlan],
  ["tflm-micro", out.es5DeviceTflm],
];

describe("device bundle sizes (SIZE_BUDGET in device/tools/device-profiles.ts)", () => {
  beforeAll(() => buildDevice(false, () => {}, "ES5 bundle (device"), 300_000);

  it("has a budget for every profile", () => {
    expect(Object.keys(SIZE_BUDGET).sort()).toEqual(BUNDLES.map(([p]) => p).sort());
  });

  it.each(BUNDLES)("%s stays within its budget", (profile, file) => {
    const bytes = statSync(file).size;
    expect(
      bytes,
      `${basename(file)} is ${bytes} bytes, over its budget of ${SIZE_BUDGET[profile]}: find what grew (tsx device/tools/bundle-device.ts device/build/es5-tsc OUT.js ${profile} --sizes), or raise the budget with the reason`,
    ).toBeLessThanOrEqual(SIZE_BUDGET[profile]);
    // A budget far above the bundle no longer guards anything: lower it.
    expect(
      bytes,
      `${basename(file)}: lower its budget to about ${Math.ceil(bytes * 1.02)}`,
    ).toBeGreaterThan(SIZE_BUDGET[profile] * 0.9);
  });
});
