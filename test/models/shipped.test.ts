// The models shipped under models/: each file loads and passes the decoder's checks, carries the
// 12 Speech Commands classes and calibrated detector defaults, stays in its size class, and
// scores far above chance (1/12) with the integer semantics on clips made here by the TTS corpus
// builder (Flite voices, never seen as such in training) and on held-out real speakers; the one
// that streams does, from its device image too.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canStream } from "../../device/engines/device-bundle";
import { plannedImage } from "../../device/engines/image-plan";
import { STANDARD_KEYWORDS } from "../../host/data/labels";
import { synthesizeCorpus } from "../../host/data/synth/corpus";
import { evalExportedModel } from "../../host/eval/exported";
import { SHIPPED } from "../../host/models/shipped";
import { decodeModel } from "../../shared/model-format/decode";
import { haveSpeech, NEEDS_SPEECH, SPEECH_DIR } from "../speech-data";

const REAL = resolve(SPEECH_DIR, "sc-v2-test");
const LABELS = ["_silence_", "_unknown_", ...STANDARD_KEYWORDS];
const MODELS = [
  { name: "kws12-int8", file: SHIPPED.int8, maxKiB: 32, minTts: 0.4, minReal: 0.6 },
  { name: "kws12-binary", file: SHIPPED.binary, maxKiB: 32, minTts: 0.25, minReal: 0.3 },
  { name: "kws12-synth-int8", file: SHIPPED.synthInt8, maxKiB: 32, minTts: 0.4, minReal: 0.3 },
  { name: "kws12-int8-stream", file: SHIPPED.int8Stream, maxKiB: 32, minTts: 0.4, minReal: 0.6 },
];

let fixtures: string;
beforeAll(async () => {
  fixtures = mkdtempSync(join(tmpdir(), "earshot-shipped-"));
  // Ten keywords x 4 Flite clips; no unknown words, short noise files (silence is cut from them).
  await synthesizeCorpus({
    out: fixtures,
    words: [...STANDARD_KEYWORDS],
    unknownWords: [],
    perWord: 4,
    seed: 1234,
    noiseSeconds: 4,
    engines: ["flite"],
  });
}, 120_000);
afterAll(() => rmSync(fixtures, { recursive: true, force: true }));

// The streaming one runs on the device stride by stride, from its image too (the planned
// streaming bundle replays the stride program the image carries); the others pad along time.
it("only kws12-int8-stream streams, and its device image carries the stride program", () => {
  for (const m of MODELS) {
    const bytes = readFileSync(m.file);
    expect(canStream(bytes), m.name).toBe(m.name === "kws12-int8-stream");
  }
  expect(plannedImage(readFileSync(SHIPPED.int8Stream)).streams).toBe(true);
});

describe.each(MODELS)("$name", (m) => {
  it("loads, passes the decoder's checks, has the 12 classes and calibrated defaults, fits its size", () => {
    expect(existsSync(m.file)).toBe(true);
    const model = decodeModel([...readFileSync(m.file)]);
    expect(model.labels).toEqual(LABELS);
    expect(statSync(m.file).size / 1024).toBeLessThanOrEqual(m.maxKiB);
    const meta = new Map(model.meta.map((e) => [e.key, e.value]));
    expect(meta.get("strideFrames")).toBe(10);
  });

  it("scores far above chance on TTS clips made here", async () => {
    const r = await evalExportedModel(m.file, {
      model: m.file,
      data: fixtures,
      splitMode: "all-test",
    });
    expect(r.n).toBeGreaterThanOrEqual(40);
    expect(r.accuracy).toBeGreaterThanOrEqual(m.minTts);
  });

  it.skipIf(!haveSpeech)(
    `scores far above chance on held-out real speakers ${NEEDS_SPEECH}`,
    async () => {
      const r = await evalExportedModel(m.file, {
        model: m.file,
        data: REAL,
        splitMode: "speaker",
        subset: "test",
      });
      expect(r.n).toBe(197);
      expect(r.accuracy).toBeGreaterThanOrEqual(m.minReal);
    },
  );
});
