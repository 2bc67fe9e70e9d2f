/**
 * Device images on the engines that bind every kernel natively (espruino-native,
 * jerryscript-native, wasm3): the image bundle (earshot-device-image.js, no decoder or graph
 * checks) gives the Node engine's results bit for bit for int8, 4-bit and binary models, traced,
 * streaming, and with streaming inference on and off; the runner refuses images where they
 * cannot run. Each engine skips loudly when it is not built.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  missingEngineNote,
  type NativeEngine,
  nativeEnginePath,
} from "../../device/engines/native-engines";
import { EngineError } from "../../device/engines/protocol";
import { type EngineName, type RunOptions, runEngine } from "../../device/engines/run";
import { buildDevice } from "../../device/tools/build";
import {
  syntheticBinaryModel,
  syntheticInt4Model,
  syntheticInt8Model,
  syntheticStreamModel,
} from "../../host/compress/synthetic-models";
import { encodeModel } from "../../shared/model-format/encode";
import type { DeviceModel } from "../../shared/model-format/types";
import { firingSettings, testSignal } from "./golden";

const SAMPLES = testSignal(12, 4000);

const MODELS: [string, DeviceModel][] = [
  ["int8", syntheticInt8Model({ seed: 15 })],
  ["4-bit", syntheticInt4Model({ seed: 16 })],
  ["binary", syntheticBinaryModel({ seed: 17 })],
];
const STREAM = syntheticStreamModel({ seed: 18, exportLike: true });
/** ds-stream's shape: 3 x 3 depthwise (the C kernels' int32-lane path) and 1 x 1 convs. */
const STREAM_DS = syntheticStreamModel({ seed: 20, blockKind: "ds", channels: 12, blocks: 3 });
/** 4-bit weights, whose scores move more over this signal (a replay off by a row shows). */
const STREAM4 = syntheticStreamModel({ seed: 19, weightBits: 4 });
/** 0.75 s: the stream model's window fills after 0.25 s, then one inference per stride. */
const STREAM_SAMPLES = testSignal(13, 12000);

const ENGINES: (EngineName & NativeEngine)[] = ["jerryscript-native", "wasm3", "espruino-native"];

beforeAll(() => buildDevice(false, () => {}, "ES5 bundle"), 600_000);

/** The Node engine's results and the engine's from the model's device image, as comparable. */
async function both(engine: EngineName, model: DeviceModel, opts: RunOptions, samples = SAMPLES) {
  const bytes = Uint8Array.from(encodeModel(model));
  const { serving: _a, stats: ra, ...ref } = await runEngine("node", bytes, samples, opts);
  const {
    serving: _b,
    stats: rb,
    ...got
  } = await runEngine(engine, bytes, samples, { ...opts, image: true });
  return { ref, got, refInferences: ra?.inferences, gotInferences: rb?.inferences };
}

describe.each(ENGINES)("%s with device images", (engine) => {
  const built = nativeEnginePath(engine) !== null;
  if (!built) console.warn(missingEngineNote(engine));
  // Espruino interprets from source: the int8 model only, streaming and traced.
  const models = engine === "espruino-native" ? MODELS.slice(0, 1) : MODELS;

  it.skipIf(!built).each(models)(
    "runs the %s model bit for bit like the Node engine",
    async (_name, model) => {
      const settings = firingSettings(model, SAMPLES);
      const r = await both(engine, model, settings);
      expect(r.ref.scores.length).toBeGreaterThan(3);
      expect(r.ref.events.length).toBeGreaterThan(0);
      expect(r.got).toEqual(r.ref);
      expect(r.gotInferences).toBe(r.refInferences);
      const traced = await both(engine, model, { ...settings, trace: true });
      expect(traced.ref.traces.length).toBeGreaterThan(0);
      expect(traced.got).toEqual(traced.ref);
    },
    300_000,
  );

  // With streaming inference on, the image carries the stride program and the planned
  // streaming bundle replays it (earshot-device-image-stream-plan.js); off, the image-stream one.
  it.skipIf(!built || engine === "espruino-native").each([
    ["export-like", STREAM, true, undefined],
    ["export-like", STREAM, false, undefined],
    ["4-bit", STREAM4, true, 2],
    ["depthwise-separable", STREAM_DS, true, undefined],
  ] as const)(
    "streams the %s stream model with streaming inference %s (stride %s), bit for bit",
    async (_name, model, incremental, strideFrames) => {
      const opts = { threshold: 0, incremental, ...(strideFrames ? { strideFrames } : {}) };
      const r = await both(engine, model, opts, STREAM_SAMPLES);
      expect(r.ref.scores.length).toBeGreaterThan(4);
      if (incremental) expect(r.got.streamingMacsPerStride).toBeGreaterThan(0);
      else expect(r.got.streamingMacsPerStride).toBeUndefined();
      expect(r.got).toEqual(r.ref);
    },
    300_000,
  );

  // Espruino, what the planned streaming bundle is for: the 4-bit stream model, bit for bit.
  it.skipIf(!built || engine !== "espruino-native")(
    "replays the stride program of the 4-bit stream model bit for bit",
    async () => {
      const opts = { threshold: 0, strideFrames: 2 };
      const r = await both(engine, STREAM4, opts, STREAM_SAMPLES);
      expect(r.ref.scores.length).toBeGreaterThan(4);
      expect(r.got.streamingMacsPerStride).toBeGreaterThan(0);
      expect(r.got).toEqual(r.ref);
    },
    300_000,
  );
});

describe("device image refusals", () => {
  const model = Uint8Array.from(encodeModel(syntheticInt8Model({ seed: 15 })));

  it("runs only where every kernel is native", async () => {
    await expect(runEngine("duk", model, SAMPLES, { image: true })).rejects.toThrow(
      /device images run on espruino-native, jerryscript-native, wasm3 only \(not duk\)/,
    );
    await expect(
      runEngine("jerryscript-native", model, SAMPLES, { image: true, noNatives: true }),
    ).rejects.toThrow(/needs the natives/);
  });

  it.skipIf(nativeEnginePath("jerryscript-native") === null)(
    "refuses on the host a model it cannot decode, even without the host check",
    async () => {
      const bad = model.slice();
      bad[bad.length - 1] ^= 1;
      const run = runEngine("jerryscript-native", bad, SAMPLES, { image: true, hostCheck: false });
      await expect(run).rejects.toBeInstanceOf(EngineError);
      await expect(run).rejects.toThrow(/SHA-256 mismatch/);
    },
  );
});
