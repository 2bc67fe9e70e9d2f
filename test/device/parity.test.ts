/**
 * The core device test: one stream of audio through an int8, a 4-bit and a binary model on
 * every engine gives the host's golden vectors bit for bit: input windows (features), every
 * layer's output, scores, times and detection events; untraced, with streaming on and off, the
 * same scores, times and events. Plus wabt's wasm-interp on the scalar
 * wasm kernels, layer by layer. Build outputs come from `npm run build:device` (cached by
 * source hash), built once in beforeAll.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { missingEngineNote, nativeEnginePath } from "../../device/engines/native-engines";
import { ENGINES, runEngine } from "../../device/engines/run";
import { fnv32, wasmInterpLayerHashes } from "../../device/engines/wasm-probe";
import { buildDevice } from "../../device/tools/build";
import {
  syntheticBinaryModel,
  syntheticConvPoolModel,
  syntheticInt4Model,
  syntheticInt8Model,
} from "../../host/compress/synthetic-models";
import { encodeModel } from "../../shared/model-format/encode";
import type { DeviceModel } from "../../shared/model-format/types";
import { firingSettings, goldenStream, PARITY_SETTINGS, testSignal } from "./golden";

/** The trainer's per-coefficient normalization in the header, as `earshot export` writes it. */
function withInputNorm(model: DeviceModel): DeviceModel {
  const coeffs = model.tensors[model.input].shape[1];
  const meta = model.meta.slice();
  for (let c = 0; c < coeffs; c++) {
    meta.push({ key: `inputNorm.mean.${c}`, value: -3 + 0.37 * c });
    meta.push({ key: `inputNorm.std.${c}`, value: 0.5 + 0.11 * c });
  }
  return { ...model, meta };
}

const MODELS: [string, DeviceModel][] = [
  ["int8", syntheticInt8Model({ seed: 5 })],
  ["int8 with input normalization", withInputNorm(syntheticInt8Model({ seed: 12 }))],
  ["4-bit", syntheticInt4Model({ seed: 6 })],
  ["conv + pool (res8 stem)", syntheticConvPoolModel({ seed: 4 })],
  ["binary (dense head)", syntheticBinaryModel({ seed: 7 })],
  ["binary (conv head)", syntheticBinaryModel({ seed: 9, head: "conv" })],
];

// 0.4 s: 38 frames, 14 inferences at stride 2 with a 12-frame window; short enough for duk.
const SAMPLES = testSignal(11, 6400);
const BASE = PARITY_SETTINGS;
const settingsFor = (model: DeviceModel) => firingSettings(model, SAMPLES);

beforeAll(() => buildDevice(), 600_000);

describe.each(MODELS)("%s model", (_name, model) => {
  const bytes = Uint8Array.from(encodeModel(model));
  const settings = settingsFor(model);
  const golden = goldenStream(model, SAMPLES, settings);

  it("golden stream has inferences and events to compare", () => {
    expect(golden.scores.length).toBeGreaterThan(5);
    expect(golden.events.length).toBeGreaterThan(0);
  });

  it.each(ENGINES)("%s matches the golden vectors bit for bit", async (engine) => {
    const r = await runEngine(engine, bytes, SAMPLES, { ...settings, trace: true });
    expect(r.times).toEqual(golden.times);
    expect(r.traces.map((t) => t.window)).toEqual(golden.traces.map((t) => t.window));
    expect(r.traces.map((t) => t.layers)).toEqual(golden.traces.map((t) => t.layers));
    expect(r.scores).toEqual(golden.scores);
    expect(r.events).toEqual(golden.events);
  });

  // Without a trace the runtime streams (quantized frame ring, banded conv + pool); with
  // streaming off it runs the whole network on the float window: both give the golden bits.
  it.each(ENGINES)("%s streaming on and off gives the golden scores and events", async (engine) => {
    for (const streaming of [true, false]) {
      const r = await runEngine(engine, bytes, SAMPLES, { ...settings, streaming });
      expect(r.times).toEqual(golden.times);
      expect(r.scores).toEqual(golden.scores);
      expect(r.events).toEqual(golden.events);
    }
  });
});

function probeCases() {
  return MODELS.map(([, model]) => {
    const first = goldenStream(model, SAMPLES, BASE).traces[0];
    // Activation values of the first inference: the features window and each op's output.
    const values = new Map<number, number[]>([[model.input, first.window]]);
    model.ops.forEach((op, k) => {
      values.set(op.outputs[0], first.layers[k]);
    });
    return { model, first, tensorValues: (t: number) => values.get(t) ?? [] };
  });
}

it("wasm-interp runs the scalar wasm kernels to the golden layer outputs of every model", () => {
  const cases = probeCases();
  const hashes = wasmInterpLayerHashes(cases, "parity");
  expect(hashes).toEqual(cases.map((c) => c.first.layers.map(fnv32)));
});

const wasm3Built = nativeEnginePath("wasm3-cli") !== null;
if (!wasm3Built) console.warn(missingEngineNote("wasm3-cli"));

it.skipIf(!wasm3Built)(
  "wasm3 (the MCU wasm interpreter) runs the scalar wasm kernels to the golden layer outputs",
  () => {
    const cases = probeCases();
    const hashes = wasmInterpLayerHashes(cases, "parity-wasm3", "wasm3");
    expect(hashes).toEqual(cases.map((c) => c.first.layers.map(fnv32)));
  },
);
