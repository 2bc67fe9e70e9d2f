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

/**
 * Calls the trusting checks make do nothing: in `module`, a statement calling a method of
 * `receiver` that is empty in `checks` is dropped (tools/es5-shrink.ts dropNoopCalls), strings
 * and all. Applied where the profile swaps `checks` in.
 */
export const NOOP_CALLS = {
  module: "shared/model-format/prepare-ops.js",
  receiver: "c",
  checks: "device/targets/es5/trusting/prepare-checks.js",
};

export interface DeviceProfile {
  /**
   * The ES5 entry (device/targets/es5/ENTRY.ts): JS kernels with natives registered over them
   * when the host has some (entry), JS kernels only (js-entry), natives only (native-entry).
   */
  entry: "entry" | "js-entry" | "native-entry";
  swaps: Swap[];
  /** Path prefixes no module of the bundle may come from (what the swaps must have cut off). */
  absent: string[];
}

/** The front end a device bundle carries (the model's front-end kind: mfcc and lfbe share one). */
export type BundleFrontEnd = "mfcc" | "tflm-micro";

/**
 * A device bundle: one per front end with the JS kernels, and the native hosts' MFCC one; the
 * MFCC ones with streaming inference (`-stream`) for models that can stream, and without it
 * for those that pad along time (engines/device-bundle.ts picks).
 */
export type DeviceProfileName =
  | BundleFrontEnd
  | "mfcc-stream"
  | "native"
  | "native-stream"
  | "native-image"
  | "native-image-stream"
  | "native-image-stream-plan";

/**
 * The JS kernels (every module shared/kernels/reference.ts imports, and it): what the native
 * hosts' bundle must not carry (test/device/device-profiles.test.ts keeps the list complete).
 */
export const JS_KERNEL_MODULES = [
  "shared/kernels/reference.js",
  "shared/kernels/binary.js",
  "shared/kernels/conv.js",
  "shared/kernels/dense.js",
  "shared/kernels/elementwise.js",
  "shared/kernels/pool.js",
];

/**
 * The JS-kernel bundles' hosts have no native front end that quantizes (none at all, or only
 * tflm-micro models): the detector's direct mode is dead code there.
 */
const NO_DIRECT: Swap = [
  "device/runtime/stream/direct-frames.js",
  "device/targets/es5/no-direct/direct-frames.js",
];

/** An MFCC / LFBE bundle's front-end swaps. */
const MFCC_ONLY: Swap[] = [
  // The MFCC / LFBE configuration's finer checks: checked by the host.
  ["shared/features/validate-config.js", "device/targets/es5/trusting/validate-config.js"],
  ["device/runtime/front-end-tflm-micro.js", "device/targets/es5/one-front-end/no-tflm-micro.js"],
];

const MFCC_SWAPS: Swap[] = [...TRUSTING, ...MFCC_ONLY];

/**
 * Streaming inference (device/runtime/incremental.ts, ~4 KB): a model that pads along time never
 * streams, so the bundles the hosts give such models (res8-narrow, the shipped ones) leave it out.
 */
const WHOLE_WINDOW: Swap = [
  "device/runtime/incremental.js",
  "device/targets/es5/whole-window/incremental.js",
];

/**
 * The native hosts build the MFCC / LFBE tables in C from the configuration and compute every
 * frame there (device/targets/c-kernels/frontend-tables.c): their bundles carry the front end's
 * configuration only, none of the table code (~5 KB with detmath's cos, log and exp).
 */
const NATIVE_FRONT_END: Swap = [
  "device/runtime/front-end-mfcc.js",
  "device/targets/es5/native-front-end/front-end-mfcc.js",
];

/** The JS front end's modules, which the native bundles must not carry. */
const JS_FRONT_END_MODULES = [
  "shared/features/frontend.js",
  "shared/features/mel.js",
  "shared/features/fft.js",
];

/**
 * The image bundles load a device image (shared/model-format/image-write.ts): the host decoded,
 * validated and prepared the model, so the decoder, the graph checks, the op preparers and
 * their messages stay on the host.
 */
const IMAGE_SWAPS: Swap[] = [
  // The host validated the front end in full before it wrote the image.
  ["shared/features/validate-config.js", "device/targets/es5/image/trusted-config.js"],
  ["device/runtime/front-end-tflm-micro.js", "device/targets/es5/one-front-end/no-tflm-micro.js"],
  ["shared/model-format/prepare.js", "device/targets/es5/image/prepare.js"],
];

/** How the image-stream bundle loads an image: the ops prepared from its rows. */
const IMAGE_LOAD: Swap = ["device/runtime/load.js", "device/targets/es5/image/load.js"];

/**
 * The whole-window image bundle replays the run plan the host recorded into the image
 * (device/runtime/run-plan.ts): no arena planner, band runner or op binding on the device.
 */
const PLANNED_RUN: Swap[] = [
  ["device/runtime/load.js", "device/targets/es5/image/planned-load.js"],
  ["device/runtime/interpreter.js", "device/targets/es5/image/interpreter.js"],
  // Its interpreter refuses a trace (the image-stream bundle serves one).
  ["device/app/trace-lines.js", "device/targets/es5/image/no-trace.js"],
];

/**
 * The planned streaming bundle replays the stride program the image carries and primes the
 * state by strides (image/stream-runner.ts): no whole-window run, no arena, no trace.
 */
const PLANNED_STREAM: Swap[] = [
  ["device/runtime/load.js", "device/targets/es5/image/stream-load.js"],
  ["device/runtime/interpreter.js", "device/targets/es5/image/stream-interpreter.js"],
  ["device/runtime/incremental.js", "device/targets/es5/image/stream-runner.js"],
  ["device/app/trace-lines.js", "device/targets/es5/image/no-trace.js"],
];

/** What the planned bundle must not carry (PLANNED_RUN cuts them off). */
const PLANNER_MODULES = [
  "shared/model-format/image-ops.js",
  "shared/planner/",
  "device/runtime/conv-pool-band.js",
  "shared/kernels/dispatch.js",
];

/** What the image bundles must not carry (the swaps above cut them off). */
const MODEL_FILE_MODULES = [
  "shared/model-format/decode.js",
  "shared/model-format/prepare-ops.js",
  "shared/model-format/prepare-checks.js",
  "device/targets/es5/trusting/prepare-checks.js",
  "shared/model-format/digest.js",
  "device/targets/es5/trusting/digest.js",
  // The front end's checks, full and trusting.
  "shared/features/validate-config.js",
  "device/targets/es5/trusting/validate-config.js",
];

/**
 * Each device bundle's size budget in bytes (test/device/bundle-size.test.ts fails the suite
 * when a bundle outgrows it): the sizes of 2026-12-06 plus ~2% headroom, a ratchet against growth
 * nobody chose. Lower a budget when a bundle shrinks; raise one only with the reason in the
 * commit. The goal for every bundle is 24 KB; the two a device ships with an image
 * meet it (whole-window, and planned streaming), and their budget is that goal, read strictly
 * (24,000 bytes), rather than their size plus headroom.
 */
export const SIZE_BUDGET: Record<DeviceProfileName, number> = {
  mfcc: 49_100,
  "mfcc-stream": 53_700,
  native: 41_300,
  "native-stream": 46_000,
  "native-image": 24_000,
  "native-image-stream": 36_300,
  "native-image-stream-plan": 24_000,
  "tflm-micro": 61_500,
};

export const DEVICE_PROFILES: Record<DeviceProfileName, DeviceProfile> = {
  // earshot-device.js: MFCC / LFBE models that pad along time, on the engines without natives.
  mfcc: {
    entry: "js-entry",
    swaps: [...MFCC_SWAPS, NO_DIRECT, WHOLE_WINDOW],
    absent: ["shared/features/tflm-micro/", "device/runtime/incremental.js"],
  },
  // earshot-device-stream.js: the same with streaming inference, for models that can stream.
  "mfcc-stream": {
    entry: "js-entry",
    swaps: [...MFCC_SWAPS, NO_DIRECT],
    absent: ["shared/features/tflm-micro/"],
  },
  // earshot-device-native.js: MFCC / LFBE models that pad along time on the hosts that bind
  // every kernel natively (espruino-native, jerryscript-native, wasm3; engines/device-bundle.ts).
  native: {
    entry: "native-entry",
    swaps: [...MFCC_SWAPS, NATIVE_FRONT_END, WHOLE_WINDOW],
    absent: [
      "shared/features/tflm-micro/",
      "device/runtime/incremental.js",
      ...JS_KERNEL_MODULES,
      ...JS_FRONT_END_MODULES,
    ],
  },
  // earshot-device-native-stream.js: the same with streaming inference.
  "native-stream": {
    entry: "native-entry",
    swaps: [...MFCC_SWAPS, NATIVE_FRONT_END],
    absent: ["shared/features/tflm-micro/", ...JS_KERNEL_MODULES, ...JS_FRONT_END_MODULES],
  },
  // earshot-device-image.js: earshot-device-native.js loading device images, not model files,
  // and replaying their run plans (device mode only: a trace takes the image-stream bundle).
  "native-image": {
    entry: "native-entry",
    swaps: [...IMAGE_SWAPS, NATIVE_FRONT_END, WHOLE_WINDOW, ...PLANNED_RUN],
    absent: [
      "shared/features/tflm-micro/",
      "device/runtime/incremental.js",
      ...JS_KERNEL_MODULES,
      ...JS_FRONT_END_MODULES,
      ...MODEL_FILE_MODULES,
      ...PLANNER_MODULES,
    ],
  },
  // earshot-device-image-stream.js: the same with streaming inference.
  "native-image-stream": {
    entry: "native-entry",
    swaps: [...IMAGE_SWAPS, IMAGE_LOAD, NATIVE_FRONT_END],
    absent: [
      "shared/features/tflm-micro/",
      ...JS_KERNEL_MODULES,
      ...JS_FRONT_END_MODULES,
      ...MODEL_FILE_MODULES,
    ],
  },
  // earshot-device-image-stream-plan.js: what a streaming device ships; it replays the image's
  // stride program (device mode, streaming inference, the image's stride only).
  "native-image-stream-plan": {
    entry: "native-entry",
    swaps: [...IMAGE_SWAPS, NATIVE_FRONT_END, ...PLANNED_STREAM],
    absent: [
      "shared/features/tflm-micro/",
      "device/runtime/incremental.js",
      "device/runtime/interpreter.js",
      ...JS_KERNEL_MODULES,
      ...JS_FRONT_END_MODULES,
      ...MODEL_FILE_MODULES,
      ...PLANNER_MODULES,
    ],
  },
  // earshot-device-tflm.js: models imported from TFLite Micro (front-end kind 2), every engine.
  "tflm-micro": {
    entry: "entry",
    swaps: [
      ...TRUSTING,
      ["device/runtime/front-end-mfcc.js", "device/targets/es5/one-front-end/no-mfcc.js"],
      NO_DIRECT,
    ],
    absent: ["shared/features/frontend.js", "shared/features/mel.js", "shared/features/fft.js"],
  },
};
