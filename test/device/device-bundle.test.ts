/**
 * One front end per device bundle (device/tools/device-profiles.ts): the host picks the bundle
 * carrying the model's front end, and a bundle handed a model whose front end it lacks refuses
 * it with a ModelFormatError naming the bundle that has it.
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canStream, deviceBundleFor, frontEndKindOf } from "../../device/engines/device-bundle";
import { deviceMessageText } from "../../device/engines/device-messages";
import { buildOutputs } from "../../device/engines/paths";
import { frontEndToKeyValues } from "../../device/runtime/frontend-config-write";
import { buildDevice } from "../../device/tools/build";
import {
  SYNTHETIC_FRONT_END,
  syntheticInt8Model,
  syntheticStreamModel,
} from "../../host/compress/synthetic-models";
import { TFLM_MICRO_SPEECH } from "../../shared/features/tflm-micro/presets";
import { encodeModel } from "../../shared/model-format/encode";

const out = buildOutputs();

function modelWith(frontEnd: "mfcc" | "lfbe" | "tflm-micro"): Uint8Array {
  // 49 frames (1 s of micro_speech) of the front end's coefficients.
  const field = (key: string) => SYNTHETIC_FRONT_END.find((kv) => kv.key === key)?.value;
  const coeffs = frontEnd === "mfcc" ? field("nCoeffs") : frontEnd === "lfbe" ? field("nMels") : 40;
  const m = syntheticInt8Model({ seed: 5, frames: 49, coeffs });
  if (frontEnd === "tflm-micro") m.frontEnd = frontEndToKeyValues(TFLM_MICRO_SPEECH);
  else
    m.frontEnd = SYNTHETIC_FRONT_END.map((kv) =>
      kv.key === "kind" ? { key: "kind", value: frontEnd === "mfcc" ? 0 : 1 } : kv,
    );
  return Uint8Array.from(encodeModel(m));
}

describe("the host picks the device bundle", () => {
  it.each([
    ["mfcc", 0, out.es5Device],
    ["lfbe", 1, out.es5Device],
    ["tflm-micro", 2, out.es5DeviceTflm],
  ] as const)("for a %s model", (frontEnd, kind, bundle) => {
    const model = modelWith(frontEnd);
    expect(frontEndKindOf(model)).toBe(kind);
    expect(deviceBundleFor(model, out)).toBe(bundle);
  });

  it.each([
    ["espruino", false, out.es5Device],
    ["jerryscript", false, out.es5Device],
    ["espruino-native", false, out.es5DeviceNative],
    // espruino-native binds its natives whatever RunOptions.noNatives says.
    ["espruino-native", true, out.es5DeviceNative],
    ["jerryscript-native", false, out.es5DeviceNative],
    ["jerryscript-native", true, out.es5Device],
    ["wasm3", false, out.es5DeviceNative],
    ["wasm3", true, out.es5Device],
  ] as const)("for an mfcc model on %s (noNatives %s)", (engine, noNatives, bundle) => {
    expect(deviceBundleFor(modelWith("mfcc"), out, { engine, noNatives })).toBe(bundle);
  });

  it.each([
    ["espruino", false, out.es5DeviceStream],
    ["jerryscript", false, out.es5DeviceStream],
    ["espruino-native", false, out.es5DeviceNativeStream],
    ["jerryscript-native", true, out.es5DeviceStream],
    ["wasm3", false, out.es5DeviceNativeStream],
  ] as const)("for a model that can stream on %s (noNatives %s): the streaming one", (engine, noNatives, bundle) => {
    const model = Uint8Array.from(encodeModel(syntheticStreamModel({ seed: 5 })));
    expect(canStream(model)).toBe(true);
    expect(deviceBundleFor(model, out, { engine, noNatives })).toBe(bundle);
  });

  it("the shipped models pad along time: the bundles without streaming inference", () => {
    for (const name of ["kws12-int8.esm", "kws12-binary.esm", "kws12-synth-int8.esm"]) {
      const model = Uint8Array.from(readFileSync(join(__dirname, "../../models", name)));
      expect(canStream(model), name).toBe(false);
      expect(deviceBundleFor(model, out, { engine: "wasm3", noNatives: false })).toBe(
        out.es5DeviceNative,
      );
    }
  });

  it("device images: the planned whole-window bundle in the device mode, the planned streaming one for an image with a stride program, the image-stream one for the rest", () => {
    const shipped = Uint8Array.from(readFileSync(join(__dirname, "../../models/kws12-int8.esm")));
    const streams = Uint8Array.from(encodeModel(syntheticStreamModel({ seed: 5 })));
    const host = { engine: "jerryscript-native", noNatives: false, image: true } as const;
    expect(deviceBundleFor(shipped, out, host)).toBe(out.es5DeviceImage);
    expect(deviceBundleFor(shipped, out, { ...host, notDeviceMode: true })).toBe(
      out.es5DeviceImageStream,
    );
    // A model that can stream: its image's stride program when it has one, else the full one.
    expect(deviceBundleFor(streams, out, host)).toBe(out.es5DeviceImageStream);
    expect(deviceBundleFor(streams, out, { ...host, plannedStream: true })).toBe(
      out.es5DeviceImageStreamPlan,
    );
    // A trace or streaming off never takes the planned streaming bundle.
    expect(
      deviceBundleFor(streams, out, { ...host, plannedStream: true, notDeviceMode: true }),
    ).toBe(out.es5DeviceImageStream);
  });

  it("the tflm-micro bundle on the native hosts too (their bundle carries the mfcc front end)", () => {
    const host = { engine: "wasm3", noNatives: false } as const;
    expect(deviceBundleFor(modelWith("tflm-micro"), out, host)).toBe(out.es5DeviceTflm);
  });

  it("the default for bytes that do not decode (the device refuses them itself)", () => {
    const model = modelWith("tflm-micro").slice(0, 40);
    expect(frontEndKindOf(model)).toBeNull();
    expect(deviceBundleFor(model, out)).toBe(out.es5Device);
  });
});

describe("a device bundle and a front end it lacks (duk)", () => {
  let dir = "";
  beforeAll(() => {
    buildDevice(false, () => {}, "ES5 bundle (device");
    dir = mkdtempSync(join(tmpdir(), "earshot-bundle-"));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * The bundle's output lines for `model` over 1 s of silence, `X` lines in words as the host
   * reads them (the bundle prints their literal text as codes: tools/message-codes.ts).
   */
  function runBundle(bundle: string, model: Uint8Array): string[] {
    const input = join(dir, "input.js");
    const samples = new Array(16000).fill(0).join(",");
    writeFileSync(
      input,
      `var EARSHOT_INPUT={model:[${Array.from(model).join(",")}],samples:[${samples}],trace:false,settings:""};\n`,
    );
    const r = spawnSync("duk", [input, bundle], { encoding: "utf8" });
    return r.stdout
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => (l.startsWith("X ") ? `X ${deviceMessageText(l.slice(2))}` : l));
  }

  it.each([
    ["tflm-micro", out.es5Device, out.es5DeviceTflm],
    // lfbe takes the same path as mfcc (and is several times slower on duk).
    ["mfcc", out.es5DeviceTflm, out.es5Device],
  ] as const)("a %s model is refused by name, and runs on the bundle named", (fe, lacks, has) => {
    const model = modelWith(fe);
    const refused = runBundle(lacks, model);
    expect(refused).toEqual([
      expect.stringMatching(
        new RegExp(
          `^X .*front end ${fe} is not in this device bundle \\(${basename(lacks)}.*run the model with ${basename(has).replace(/\./g, "\\.")}$`,
        ),
      ),
    ]);
    const ran = runBundle(has, model);
    expect(ran.filter((l) => l.startsWith("X "))).toEqual([]);
    expect(ran.some((l) => l.startsWith("S "))).toBe(true);
  });

  it("the bundle without streaming inference runs a model that can stream whole, to the same scores", () => {
    const model = Uint8Array.from(encodeModel(syntheticStreamModel({ seed: 5 })));
    const streamed = runBundle(out.es5DeviceStream, model);
    const whole = runBundle(out.es5Device, model);
    const scores = (lines: string[]) => lines.filter((l) => l.startsWith("S "));
    expect(streamed.some((l) => l.startsWith("I "))).toBe(true);
    expect(whole.some((l) => l.startsWith("I "))).toBe(false);
    expect(scores(whole).length).toBeGreaterThan(4);
    expect(scores(whole)).toEqual(scores(streamed));
  });

  it("the native hosts' bundle refuses a host without natives, naming the bundle that runs", () => {
    expect(runBundle(out.es5DeviceNative, modelWith("mfcc"))).toEqual([
      expect.stringMatching(
        /^X earshot-device-native\.js has no JS kernels .*run earshot-device\.js$/,
      ),
    ]);
  });
});
