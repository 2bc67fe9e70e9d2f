/**
 * Run plans (device/runtime/run-plan.ts): the host records what the interpreter would set up
 * and call in the device mode (device/engines/image-plan.ts), the image carries it, and the
 * whole-window image bundle's interpreter (device/targets/es5/image/interpreter.ts) replays it.
 * Here both interpreters run on Node over typed arenas of either slot layout with the reference
 * kernels: the replay must give the same scores bit for bit, inference after inference. The
 * engines run the same bundle in test/device/image-engines.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deviceImage, recordRunPlan } from "../../device/engines/image-plan";
import { frontEndToKeyValues } from "../../device/runtime/frontend-config-write";
import { Interpreter } from "../../device/runtime/interpreter";
import type { TensorMemory } from "../../device/runtime/memory";
import type { PlannedModel, RunPlan } from "../../device/runtime/run-plan";
import { Interpreter as PlannedInterpreter } from "../../device/targets/es5/image/interpreter";
import { resolvedPlan } from "../../device/targets/es5/image/planned-load";
import { typedMemory } from "../../device/targets/es5/native";
import {
  syntheticBinaryModel,
  syntheticConvPoolModel,
  syntheticInt4Model,
  syntheticInt8Model,
  syntheticStreamModel,
} from "../../host/compress/synthetic-models";
import { Rng } from "../../host/data/rng";
import { TFLM_MICRO_SPEECH } from "../../shared/features/tflm-micro/presets";
import { referenceKernels } from "../../shared/kernels/reference";
import { decodePrepared } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import { ModelFormatError } from "../../shared/model-format/errors";
import { readDeviceImage } from "../../shared/model-format/image-read";
import type { DeviceModel } from "../../shared/model-format/types";

const shipped = (name: string) =>
  Array.from(readFileSync(join(__dirname, "../../models", name)) as Uint8Array);

const MODELS: [string, number[]][] = [
  ["int8", encodeModel(syntheticInt8Model({ seed: 21 }))],
  ["4-bit", encodeModel(syntheticInt4Model({ seed: 22 }))],
  ["binary", encodeModel(syntheticBinaryModel({ seed: 23 }))],
  ["conv + pool bands", encodeModel(syntheticConvPoolModel({ seed: 24 }))],
  // A model that can stream takes the image-stream bundle; its plan still replays whole windows.
  ["export-like stream", encodeModel(syntheticStreamModel({ seed: 25, exportLike: true }))],
  ["shipped kws12-int8", shipped("kws12-int8.esm")],
  ["shipped kws12-binary", shipped("kws12-binary.esm")],
];

/** The model of `bytes`'s device image, its constants in `memory`, its run plan on it. */
function imageModel(bytes: number[], memory: TensorMemory): DeviceModel {
  const { model, rows, plan } = readDeviceImage(
    Array.from(deviceImage(bytes)),
    memory.constantStorage,
  );
  (model as unknown as PlannedModel).plan = resolvedPlan(plan, rows);
  return model;
}

/** Writes the same pseudo-random window into both interpreters' input. */
function fillInput(rng: Rng, a: number[], b: number[], quantized: boolean): void {
  expect(a.length).toBeGreaterThan(0);
  expect(b.length).toBe(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = quantized ? Math.floor(rng.next() * 256) - 128 : rng.normal();
    a[i] = v;
    b[i] = v;
  }
}

describe.each(MODELS)("the run plan of the %s model", (_name, bytes) => {
  it.each([
    ["int8 in one byte (JerryScript, wasm3)", true],
    ["int32 slots (Espruino)", false],
  ])("replays like the interpreter, arena %s", (_layout, compact) => {
    const pm = decodePrepared(bytes);
    const memA = typedMemory({}, false, compact);
    const memB = typedMemory({}, false, compact);
    const full = new Interpreter(pm.model, referenceKernels, memA, pm.ops, { streaming: true });
    const planned = new PlannedInterpreter(imageModel(bytes, memB), referenceKernels, memB, null, {
      streaming: true,
    });
    expect(planned.arenaPeakBytes).toBe(full.arenaPeakBytes);
    expect(planned.macs).toEqual(full.macs);
    expect(planned.inputQuantizer()).toEqual(full.inputQuantizer());
    const quantized = full.inputQuantizer() !== null;
    const rng = new Rng(7);
    for (let inference = 0; inference < 3; inference++) {
      if (quantized) fillInput(rng, full.quantizedInput(), planned.quantizedInput(), true);
      else fillInput(rng, full.input(), planned.input(), false);
      full.invoke();
      planned.invoke();
      expect(Array.from(planned.output())).toEqual(Array.from(full.output()));
    }
    // Both made the calls from JS: this memory has no host programs.
    expect(planned.programSteps).toBe(0);
  });
});

describe("run plans", () => {
  const bytes = MODELS[3][1];

  it("share what the interpreter shares: one list per distinct call, bands alike", () => {
    const plan = recordRunPlan(decodePrepared(bytes));
    expect(plan.steps.length).toBeGreaterThan(plan.lists.length);
    expect(plan.lists.filter((l) => l[0] === "copy").length).toBeGreaterThan(0);
    // The ops' own parameters are named by op (the image's op rows carry them); the bands'
    // geometries travel in full.
    const objects = plan.params.filter((p) => typeof p === "object");
    expect(objects.filter((p) => "op" in p).length).toBeGreaterThan(0);
    expect(objects.filter((p) => "inH" in p).length).toBeGreaterThan(0);
    expect(plan.layouts).toEqual([
      [1, 1, 2, 4, 4, 8],
      [4, 4, 4, 4, 4, 8],
    ]);
    expect(plan.arena[0]).toBeLessThan(plan.arena[1]);
  });

  it("travel in the image bit for bit (floats as bits, like the rest of it)", () => {
    const plan = recordRunPlan(decodePrepared(bytes));
    const read = readDeviceImage(Array.from(deviceImage(bytes)), typedMemory().constantStorage);
    expect(read.plan).toStrictEqual(JSON.parse(JSON.stringify(plan)));
    const q = (read.plan as RunPlan).quantizer as { scale: number };
    expect(Object.is(q.scale, (plan.quantizer as { scale: number }).scale)).toBe(true);
  });

  it("come only with a front end the host checked in full (the image bundles check it no further)", () => {
    const tflm = syntheticInt8Model({ seed: 26, frames: 49, coeffs: 40 });
    tflm.frontEnd = frontEndToKeyValues(TFLM_MICRO_SPEECH);
    expect(() => deviceImage(encodeModel(tflm))).toThrow(
      /device images carry MFCC \/ LFBE models with a valid front end: front end tflm-micro/,
    );
    const bad = syntheticInt8Model({ seed: 27 });
    bad.frontEnd = bad.frontEnd.map((kv) =>
      kv.key === "fftSize" ? { key: "fftSize", value: 500 } : kv,
    );
    expect(() => deviceImage(encodeModel(bad))).toThrow(ModelFormatError);
    expect(() => deviceImage(encodeModel(bad))).toThrow(
      /valid front end: front-end config: fftSize/,
    );
  });

  it("are refused where they cannot run: no plan, streaming off, an arena of another layout", () => {
    const memory = typedMemory({}, false, true);
    const model = imageModel(bytes, memory);
    const make = (m: DeviceModel, mem: TensorMemory, streaming: boolean) =>
      new PlannedInterpreter(m, referenceKernels, mem, null, { streaming });
    expect(() => make(model, memory, false)).toThrow(/device mode only/);
    const bare = { ...model, plan: null } as DeviceModel;
    expect(() => make(bare, memory, true)).toThrow(/no run plan: write it again/);
    const odd: TensorMemory = { ...memory, name: "odd", slotBytes: () => 2 };
    expect(() => make(model, odd, true)).toThrow(/no layout for odd memory/);
  });
});
