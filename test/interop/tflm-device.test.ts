/**
 * The TFLM micro front end on the device: its model-file key/values (kind 2) and their
 * validation, the device feature stage streaming it (frame for frame the host
 * TflmMicroFrontEnd, noise estimate carried across frames), and `device run` of the imported
 * micro_speech model on every engine giving TFLM's labels on its four test clips. The peer
 * parts read ../shared/peers (never committed) and skip loudly without it; device engines skip
 * loudly when not built.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ENGINE_NAMES } from "../../device/engines/names";
import {
  missingEngineNote,
  type NativeEngine,
  nativeEnginePath,
} from "../../device/engines/native-engines";
import { type EngineName, runEngine } from "../../device/engines/run";
import {
  deviceFrontEndFromKeyValues,
  frontEndFromKeyValues,
} from "../../device/runtime/frontend-config";
import { frontEndToKeyValues } from "../../device/runtime/frontend-config-write";
import { loadDetector } from "../../device/runtime/load";
import { plainMemory, type TensorMemory } from "../../device/runtime/memory";
import { FeatureStage } from "../../device/runtime/stream/feature-stage";
import { typedMemory } from "../../device/targets/es5/native";
import { buildDevice } from "../../device/tools/build";
import { syntheticInt8Model } from "../../host/compress/synthetic-models";
import { Rng } from "../../host/data/rng";
import { readWav } from "../../host/data/wav/read";
import { importTfliteFile } from "../../host/interop/tflite/import-file";
import { TflmMicroFrontEnd } from "../../shared/features/tflm-micro/frontend";
import { TFLM_MICRO_SPEECH } from "../../shared/features/tflm-micro/presets";
import { referenceKernels } from "../../shared/kernels/reference";
import { encodeModel } from "../../shared/model-format/encode";
import { ModelFormatError } from "../../shared/model-format/errors";
import type { KeyValue } from "../../shared/model-format/types";
import { testSignal } from "../device/golden";

const PEER = resolve(
  process.env.EARSHOT_PEERS_DIR ?? resolve(import.meta.dirname, "../../../shared/peers"),
  "tflm-micro-speech",
);
const NEEDS_PEERS = "[needs ../shared/peers]";
const havePeers = existsSync(PEER);
if (!havePeers) console.warn(`SKIPPED: TFLM micro_speech device runs ${NEEDS_PEERS} (${PEER})`);

const CLIPS: [string, string][] = [
  ["yes_1000ms", "yes"],
  ["no_1000ms", "no"],
  ["noise_1000ms", "silence"],
  ["silence_1000ms", "silence"],
];

function clip(name: string): Int16Array {
  const w = readWav(join(PEER, "testdata", `${name}.wav`));
  return Int16Array.from(w.samples, (x) =>
    Math.max(-32768, Math.min(32767, Math.round(x * 32768))),
  );
}

/** Frames of a FeatureStage fed `samples` (int16) in random chunks, concatenated. */
function streamed(samples: Int16Array, memory: TensorMemory, seed: number): number[] {
  const stage = new FeatureStage(TFLM_MICRO_SPEECH, memory, null);
  const floats = Array.from(samples, (v) => v / 32768);
  const rng = new Rng(seed);
  const frames: number[] = [];
  let pos = 0;
  while (pos < floats.length) {
    const n = Math.min(1 + rng.int(700), floats.length - pos);
    let used = 0;
    while (used < n) {
      used += stage.push(floats, pos + used, n - used);
      if (stage.ready()) {
        frames.push(...Array.from(stage.frame));
        stage.take();
      }
    }
    pos += n;
  }
  expect(stage.int8Frames).toBe(true);
  return frames;
}

/** 3 s: a quiet stretch (the noise estimate settles), a loud chirp over noise, silence. */
function longSignal(): Int16Array {
  const out = new Int16Array(48000);
  const rng = new Rng(3);
  for (let i = 0; i < 16000; i++) out[i] = Math.round(40 * rng.normal());
  out.set(testSignal(9, 16000), 16000);
  return out;
}

describe("tflm-micro front-end key/values", () => {
  const good = frontEndToKeyValues(TFLM_MICRO_SPEECH);
  const edit = (key: string, value: number | null): KeyValue[] =>
    value === null
      ? good.filter((kv) => kv.key !== key)
      : good.map((kv) => (kv.key === key ? { key, value } : kv));

  it("round-trip as kind 2 with every setting", () => {
    expect(good[0]).toEqual({ key: "kind", value: 2 });
    expect(deviceFrontEndFromKeyValues(good)).toEqual(TFLM_MICRO_SPEECH);
    // Host float paths (mfcc / lfbe only) refuse it by name.
    expect(() => frontEndFromKeyValues(good)).toThrow(/tflm-micro/);
  });

  it.each([
    ["a missing field", edit("pcanGainBits", null), /lacks 'pcanGainBits'/],
    ["an unknown kind", edit("kind", 3), /kind 3 is not/],
    ["a fractional integer", edit("channels", 40.5), /channels must be an integer/],
    ["NaN", edit("hop", Number.NaN), /lacks 'hop'/],
    ["an FFT size the fixed-point FFT lacks", edit("fftSize", 1024), /power of 4/],
    ["a window longer than the FFT", edit("window", 600), /window <= fftSize/],
    ["a band above Nyquist", edit("upperHz", 9000), /sampleRate \/ 2/],
    ["smoothing above one", edit("evenSmoothing", 20000), /at most 2\^spectral/],
    ["an int8 zero point out of range", edit("int8Zero", 200), /int8Zero/],
    ["a zero divisor", edit("int8Div", 0), /int8Div/],
    ["no front end at all", [], /names no front end/],
  ])("refuses %s with a ModelFormatError", (_what, kvs, message) => {
    expect(() => deviceFrontEndFromKeyValues(kvs)).toThrow(ModelFormatError);
    expect(() => deviceFrontEndFromKeyValues(kvs)).toThrow(message);
  });

  it("a model file with a malformed tflm-micro front end is refused at load", () => {
    const model = syntheticInt8Model({ seed: 5 });
    model.frontEnd = edit("fftSize", 1000);
    const bytes = encodeModel(model);
    expect(() => loadDetector(bytes, referenceKernels, plainMemory, () => 0)).toThrow(
      ModelFormatError,
    );
  });
});

describe("the device feature stage streams the TFLM micro front end", () => {
  it.each([
    ["plain arrays", plainMemory],
    ["typed arrays", typedMemory({}, true)],
  ])("frame for frame the host TflmMicroFrontEnd, any chunking (%s)", (_name, memory) => {
    const samples = longSignal();
    const host = new TflmMicroFrontEnd(TFLM_MICRO_SPEECH).extract(Array.from(samples));
    expect(host.frames).toBe(149);
    const frames = streamed(samples, memory, 7);
    expect(frames).toEqual(host.data);
    // The state matters: restarted at 1.2 s (in the chirp), with a fresh noise estimate, the
    // next 20 frames differ from the stream's.
    const from = 60;
    const fresh = new TflmMicroFrontEnd(TFLM_MICRO_SPEECH).extract(
      Array.from(samples.subarray(320 * from, 320 * from + 480 + 19 * 320)),
    );
    expect(fresh.frames).toBe(20);
    expect(fresh.data).not.toEqual(host.data.slice(from * 40, (from + 20) * 40));
  });

  it.skipIf(!havePeers)(`on the four peer clips in one stream ${NEEDS_PEERS}`, () => {
    const all = new Int16Array(4 * 16000);
    CLIPS.forEach(([name], i) => {
      all.set(clip(name), i * 16000);
    });
    const host = new TflmMicroFrontEnd(TFLM_MICRO_SPEECH).extract(Array.from(all));
    expect(streamed(all, plainMemory, 11)).toEqual(host.data);
  });
});

describe.skipIf(!havePeers)(`device run of the imported micro_speech ${NEEDS_PEERS}`, () => {
  let model: Uint8Array;
  beforeAll(async () => {
    buildDevice(false, () => {}, "");
    const out = join(mkdtempSync(join(tmpdir(), "earshot-tflm-")), "micro_speech.esm");
    const r = await importTfliteFile(join(PEER, "micro_speech_quantized.tflite"), out, {
      labels: ["silence", "unknown", "yes", "no"],
    });
    expect(r.frontEnd).toBe("tflm-micro");
    model = new Uint8Array(readFileSync(out));
  }, 300_000);

  /** The host's scores per clip (node engine), which every engine must reproduce bit for bit. */
  const reference = new Map<string, number[][]>();

  const deviceEngine = (e: EngineName): e is EngineName & NativeEngine =>
    e.startsWith("espruino") || e.startsWith("jerryscript");
  // Espruino interprets from source text: 15-20 s of CPU per 1 s clip (model load, 49 frames of
  // the front end, and on plain Espruino the network), several times that on a loaded machine.
  // By default it runs the keyword clip only; EARSHOT_SLOW_ENGINE_TESTS=1 runs all four.
  const allOnSlow = process.env.EARSHOT_SLOW_ENGINE_TESTS === "1";
  describe.each(ENGINE_NAMES.map((e) => [e]))("%s", (engine) => {
    const built = !deviceEngine(engine) || nativeEnginePath(engine) !== null;
    if (!built) console.warn(missingEngineNote(engine as NativeEngine));
    const slow = engine.startsWith("espruino");
    const clips = slow && !allOnSlow ? CLIPS.slice(0, 1) : CLIPS;
    if (built && slow && !allOnSlow)
      console.warn(
        `SKIPPED: ${engine} runs only ${clips[0][0]} (EARSHOT_SLOW_ENGINE_TESTS=1 runs all four clips)`,
      );
    it.skipIf(!built)(
      `labels ${clips.map((c) => c[0]).join(", ")} as TFLM does (${clips.map((c) => c[1]).join(", ")})`,
      async () => {
        for (const [name, label] of clips) {
          const r = await runEngine(engine, model, clip(name));
          expect(r.scores.length, name).toBe(1);
          const row = r.scores[0];
          expect(["silence", "unknown", "yes", "no"][row.indexOf(Math.max(...row))], name).toBe(
            label,
          );
          expect(r.serving.find((s) => s.op === "frontEnd")?.impl).toBe("portable");
          if (engine === "node") reference.set(name, r.scores);
          else if (reference.has(name)) expect(r.scores, name).toEqual(reference.get(name));
        }
      },
      900_000,
    );
  });
});
