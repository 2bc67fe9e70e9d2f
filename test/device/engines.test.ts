/**
 * The device engines built by deploy/engines.sh from ../shared/engines: Espruino 2v29 (Linux
 * port, the boards' interpreter core) and JerryScript with a 256 KB heap, running the ES5
 * bundle as shipped, fed device-shaped input (model as bytes, audio in chunks); and the same
 * engines with earshot's C kernels bound (espruino-native: Espruino's `earshot` library;
 * jerryscript-native: the embedding host, same 256 KB heap), where every kernel and the front
 * end must run in C; and wasm3 (that host with every kernel run as the scalar wasm kernels in
 * wasm3's interpreter). Bit-exact with
 * the host's golden vectors for int8, 4-bit and binary models; malformed models refused with a
 * clear error and no crash, both by the host's check before sending and by the device
 * profile's own structural checks (the device engines run earshot-device.js, the ES5 bundle
 * without full validation and SHA-256). Each engine skips loudly when it is not built.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ESPRUINO_BUDGET_VARIABLES,
  JERRY_HEAP_KB,
  missingEngineNote,
  type NativeEngine,
  nativeEnginePath,
  REPO_DIR,
} from "../../device/engines/native-engines";
import { EngineError } from "../../device/engines/protocol";
import { type EngineName, runEngine } from "../../device/engines/run";
import { buildDevice } from "../../device/tools/build";
import {
  syntheticBinaryModel,
  syntheticConvPoolModel,
  syntheticInt4Model,
  syntheticInt8Model,
} from "../../host/compress/synthetic-models";
import { encodeModel } from "../../shared/model-format/encode";
import type { DeviceModel } from "../../shared/model-format/types";
import { firingSettings, goldenStream, testSignal } from "./golden";

const MODELS: [string, DeviceModel][] = [
  ["int8", syntheticInt8Model({ seed: 5 })],
  ["conv + pool (res8 stem)", syntheticConvPoolModel({ seed: 4 })],
  ["4-bit", syntheticInt4Model({ seed: 6 })],
  ["binary", syntheticBinaryModel({ seed: 7 })],
];

// 0.25 s: 23 frames, 6 inferences with a 12-frame window at stride 2. Espruino interprets
// from source text (about 1 s per frame of FFT work here), so the clip stays short.
const SAMPLES = testSignal(11, 4000);
const settingsFor = (model: DeviceModel) => firingSettings(model, SAMPLES);

const DEVICE: [EngineName & NativeEngine][] = [
  ["espruino"],
  ["espruino-native"],
  ["jerryscript"],
  ["jerryscript-native"],
  ["wasm3"],
];
/** The engines with natives bound: the name they serve every kernel under, and the front end. */
const NATIVE_SERVING: Partial<Record<NativeEngine, { kernels: string; frontEnd: string }>> = {
  "espruino-native": { kernels: "c-espruino", frontEnd: "c-espruino" },
  "jerryscript-native": { kernels: "c-jerryscript", frontEnd: "c-jerryscript" },
  // The wasm module has the kernels only: the host's front end stays C.
  wasm3: { kernels: "wasm3", frontEnd: "c-jerryscript" },
};
/** Engines fast enough to stream every model (Espruino interprets from source: two models). */
const STREAM_ALL = new Set<string>(["jerryscript-native", "wasm3"]);

beforeAll(() => buildDevice(false, () => {}, "ES5 bundle"), 600_000);

describe.each(DEVICE)("%s", (engine) => {
  const built = nativeEnginePath(engine) !== null;
  if (!built) console.warn(missingEngineNote(engine));

  it.skipIf(!built).each(MODELS)(
    "runs the %s model bit for bit like the host's golden vectors",
    async (_name, model) => {
      const settings = settingsFor(model);
      const golden = goldenStream(model, SAMPLES, settings);
      const bytes = Uint8Array.from(encodeModel(model));
      const r = await runEngine(engine, bytes, SAMPLES, { ...settings, trace: true });
      expect(golden.scores.length).toBeGreaterThan(3);
      expect(golden.events.length).toBeGreaterThan(0);
      expect(r.times).toEqual(golden.times);
      expect(r.traces.map((t) => t.window)).toEqual(golden.traces.map((t) => t.window));
      expect(r.traces.map((t) => t.layers)).toEqual(golden.traces.map((t) => t.layers));
      expect(r.scores).toEqual(golden.scores);
      expect(r.events).toEqual(golden.events);
      expect(r.stats?.samples).toBe(SAMPLES.length);
      const native = NATIVE_SERVING[engine];
      if (native !== undefined) {
        const kernels = r.serving.filter((s) => s.op !== "frontEnd").map((s) => s.impl);
        expect(new Set(kernels)).toEqual(new Set([native.kernels]));
        expect(r.serving.find((s) => s.op === "frontEnd")?.impl).toBe(native.frontEnd);
      }
    },
    300_000,
  );

  // Streaming (the default, no trace) on the two models it changes most; Espruino is slow.
  it.skipIf(!built).each(STREAM_ALL.has(engine) ? MODELS : MODELS.slice(0, 2))(
    "runs the %s model in streaming mode to the same scores and events",
    async (_name, model) => {
      const settings = settingsFor(model);
      const golden = goldenStream(model, SAMPLES, settings);
      const bytes = Uint8Array.from(encodeModel(model));
      const r = await runEngine(engine, bytes, SAMPLES, settings);
      expect(r.times).toEqual(golden.times);
      expect(r.scores).toEqual(golden.scores);
      expect(r.events).toEqual(golden.events);
      // The hosts with natives run each inference as one program (TensorMemory.program).
      const whole = r.stats?.programSteps[0] ?? 0;
      if (NATIVE_SERVING[engine] !== undefined) expect(whole).toBeGreaterThan(0);
      else expect(whole).toBe(0);
    },
    300_000,
  );

  it.skipIf(!built)(
    "refuses malformed models with a one-line error, without crashing",
    async () => {
      const good = Uint8Array.from(encodeModel(syntheticInt8Model({ seed: 5 })));
      const badMagic = good.slice();
      badMagic[0] = 0x58;
      const flipped = good.slice();
      flipped[good.length >> 1] ^= 0x10;
      const cases: [Uint8Array, RegExp][] = [
        [good.slice(0, 40), /invalid model file: truncated/],
        [badMagic, /bad magic/],
        [flipped, /invalid model file/],
      ];
      for (const [bytes, message] of cases) {
        const run = runEngine(engine, bytes, SAMPLES.subarray(0, 800));
        await expect(run).rejects.toBeInstanceOf(EngineError);
        await expect(run).rejects.toThrow(message);
      }
      // The device profile's own structural checks, with no host check before them.
      for (const [bytes, message] of cases.slice(0, 2)) {
        const run = runEngine(engine, bytes, SAMPLES.subarray(0, 800), { hostCheck: false });
        await expect(run).rejects.toBeInstanceOf(EngineError);
        await expect(run).rejects.toThrow(message);
      }
    },
    300_000,
  );
});

describe("espruino-budget", () => {
  const built = nativeEnginePath("espruino-budget") !== null;
  if (!built) console.warn(missingEngineNote("espruino-budget"));

  it.skipIf(!built)(
    `runs from Storage within a fixed ${ESPRUINO_BUDGET_VARIABLES}-variable budget, bit for bit`,
    async () => {
      const model = MODELS[0][1];
      const settings = settingsFor(model);
      const golden = goldenStream(model, SAMPLES, settings);
      const bytes = Uint8Array.from(encodeModel(model));
      const r = await runEngine("espruino-budget", bytes, SAMPLES, settings);
      expect(r.scores).toEqual(golden.scores);
      expect(r.events).toEqual(golden.events);
      expect(r.stats?.samples).toBe(SAMPLES.length);
    },
    300_000,
  );
});

describe("jerryscript heap", () => {
  const built = nativeEnginePath("jerryscript") !== null;

  // The shipped res8-narrow model (31 KB, 6.8M MACs) over one window of audio: code, model,
  // front end, arena and one 20 ms chunk of audio must fit the engine's fixed heap.
  it.skipIf(!built)(
    `runs models/kws12-int8.esm in a ${JERRY_HEAP_KB} KB heap, bit for bit like Node`,
    async () => {
      const bytes = new Uint8Array(readFileSync(join(REPO_DIR, "models", "kws12-int8.esm")));
      const samples = testSignal(3, 16000);
      const node = await runEngine("node", bytes, samples, { streaming: false });
      const r = await runEngine("jerryscript", bytes, samples, { memStats: true });
      expect(node.scores.length).toBe(1);
      expect(r.scores).toEqual(node.scores);
      expect(r.stats?.samples).toBe(samples.length);
    },
    300_000,
  );

  // A binary model whose int8 stem keeps 160 channels at full resolution does not fit: JerryScript
  // throws a RangeError without a message, and the user is told what ran out instead of nothing.
  it.skipIf(nativeEnginePath("jerryscript-native") === null)(
    "says the heap ran out where a model does not fit it",
    async () => {
      const bytes = new Uint8Array(
        encodeModel(syntheticBinaryModel({ frames: 98, stemChannels: 160 })),
      );
      await expect(
        runEngine("jerryscript-native", bytes, testSignal(3, 16000), {}),
      ).rejects.toThrow(/^an error without a message: JerryScript's heap \(256 KB/);
    },
    300_000,
  );
});

describe("espruino-native past 64 KB of arena", () => {
  // Espruino's typed arrays hold a 16-bit byteOffset: views the arena plan puts past 64 KB (the
  // shipped binary model's arena is 342,720 bytes in int32 slots) get buffers of their own
  // (targets/es5/native.ts).
  it.skipIf(nativeEnginePath("espruino-native") === null)(
    "runs models/kws12-binary.esm bit for bit like Node, from the file and from its image",
    async () => {
      const bytes = new Uint8Array(readFileSync(join(REPO_DIR, "models", "kws12-binary.esm")));
      const samples = testSignal(4, 24000);
      const settings = { strideFrames: 5, threshold: 0 };
      const node = await runEngine("node", bytes, samples, settings);
      expect(node.scores.length).toBeGreaterThan(5);
      for (const image of [false, true]) {
        const r = await runEngine("espruino-native", bytes, samples, { ...settings, image });
        expect(r.scores).toEqual(node.scores);
        expect(r.events).toEqual(node.events);
      }
    },
    300_000,
  );
});

describe.each(
  Object.keys(NATIVE_SERVING) as (EngineName & NativeEngine)[],
)("res8-narrow on %s", (engine) => {
  const built = nativeEnginePath(engine) !== null;
  if (!built) console.warn(missingEngineNote(engine));

  // The shipped model on an engine that binds earshot's C (or wasm3) kernels, in streaming mode (the device
  // default) over several strides: int8 activations one byte each in the arena (17.8 KB instead
  // of 71 KB of int32 slots) are what let it fit JerryScript's 256 KB heap.
  it.skipIf(!built)(
    "runs models/kws12-int8.esm bit for bit like Node, every kernel native",
    async () => {
      const bytes = new Uint8Array(readFileSync(join(REPO_DIR, "models", "kws12-int8.esm")));
      const samples = testSignal(8, 24000);
      const settings = { strideFrames: 10 };
      const node = await runEngine("node", bytes, samples, { ...settings, streaming: false });
      const r = await runEngine(engine, bytes, samples, { ...settings, memStats: true });
      expect(node.scores.length).toBeGreaterThan(3);
      expect(r.times).toEqual(node.times);
      expect(r.scores).toEqual(node.scores);
      expect(r.events).toEqual(node.events);
      expect(r.stats?.samples).toBe(samples.length);
      const serving = NATIVE_SERVING[engine];
      expect(new Set(r.serving.map((s) => s.impl))).toEqual(
        new Set([serving?.kernels, serving?.frontEnd]),
      );
      expect(r.peakBytes).toBeGreaterThan(0);
      if (engine === "jerryscript-native")
        expect(r.peakBytes).toBeLessThanOrEqual(JERRY_HEAP_KB * 1024);
    },
    300_000,
  );
});
