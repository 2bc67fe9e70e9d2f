import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { synthesizeCorpus } from "../../host/data/synth/corpus";
import { drawSpeakers, type VoiceCatalog } from "../../host/data/synth/speakers";
import type { TtsEngine } from "../../host/data/synth/tts/engine";
import { ESPEAK_PACKAGE, loadEspeak } from "../../host/data/synth/tts/espeak";
import {
  blendPresets,
  formatBlendedVoice,
  parseBlendedVoice,
  parsePreset,
} from "../../host/data/synth/tts/espeak-blend";
import { haveEspeak } from "./espeak-available";
import { f0 } from "./pitch";

const M = `language variant
name male3
gender male

pitch 80 122
formant 0 100 100 100
formant 1  96  97 100
consonants 100
stressAdd 10 10 0 0 0 0 -30 -30
`;
const F = `language variant
name female2
gender female
pitch 142 220   // high
roughness 3
formant 1 110 80 160 20
breath 0 2 3 3 3 3 3 2
`;

describe("blending eSpeak presets", () => {
  it("interpolates the numbers both presets set, keyed by formant index", () => {
    const lines = parsePreset(blendPresets(M, F, 0.25, "b"));
    const byKey = new Map(lines.map((l) => [l.key, l.values]));
    expect(byKey.get("pitch")).toEqual([
      Math.round(0.75 * 80 + 0.25 * 142),
      Math.round(0.75 * 122 + 0.25 * 220),
    ]);
    // formant 1: 96 97 100 against 110 80 160 20; the missing fourth number pads with the other's.
    expect(byKey.get("formant 1")).toEqual([100, 93, 115, 20]);
    expect(byKey.get("formant 0")).toEqual([100, 100, 100]);
  });

  it("takes a line only one preset sets from the heavier preset, and drops name and gender", () => {
    const light = new Set(parsePreset(blendPresets(M, F, 0.25, "b")).map((l) => l.key));
    expect(light.has("consonants") && light.has("stressAdd")).toBe(true);
    expect(light.has("roughness") || light.has("breath")).toBe(false);
    const heavy = new Set(parsePreset(blendPresets(M, F, 0.75, "b")).map((l) => l.key));
    expect(heavy.has("roughness") && heavy.has("breath")).toBe(true);
    expect(heavy.has("consonants") || heavy.has("formant 0")).toBe(false);
    const text = blendPresets(M, F, 0.5, "blend_m3_f2_50");
    expect(text.startsWith("language variant\nname blend_m3_f2_50\n")).toBe(true);
    expect(text).not.toMatch(/gender|female2|male3/);
    expect(() => blendPresets(M, F, 1.5, "b")).toThrow(/outside \[0, 1\]/);
  });

  it("names a blended voice so it parses back, and leaves plain voices alone", () => {
    const v = { accent: "en-gb-x-rp", a: "m3", b: "Annie", percent: 40 };
    expect(formatBlendedVoice(v)).toBe("en-gb-x-rp+m3~Annie@40");
    expect(parseBlendedVoice(formatBlendedVoice(v))).toEqual(v);
    expect(parseBlendedVoice("en-us+m3")).toBeNull();
    expect(parseBlendedVoice("en-us+m3~f2@140")).toBeNull();
  });
});

describe("drawing blended speakers", () => {
  const blendable = ["en-us+m1", "en-us+f2", "en+m3"];
  const catalog: VoiceCatalog[] = [
    { engine: "flite", voices: ["kal", "awb"] },
    {
      engine: "espeak",
      voices: [...blendable, "en-us+klatt"],
      blending: { voices: blendable, blend: (a, b, p) => `${a}~${b.split("+")[1]}@${p}` },
    },
  ];

  it("draws exactly the speakers of an unblended catalog when the share is 0", () => {
    const plain = catalog.map(({ engine, voices }) => ({ engine, voices }));
    expect(drawSpeakers(3, 200, catalog)).toEqual(drawSpeakers(3, 200, plain));
    expect(drawSpeakers(3, 200, catalog, "speakers", 0)).toEqual(drawSpeakers(3, 200, plain));
  });

  it("blends the given share of blendable voices, 20..80% in steps of 5", () => {
    const all = drawSpeakers(3, 400, catalog, "speakers", 1);
    const espeak = all.filter((s) => s.engine === "espeak");
    for (const s of espeak) {
      const m = /^(.+)~.+@(\d+)$/.exec(s.voice);
      if (!m) expect(s.voice).toBe("en-us+klatt");
      else {
        expect(blendable).toContain(m[1]);
        const p = Number(m[2]);
        expect(p % 5 === 0 && p >= 20 && p <= 80).toBe(true);
      }
    }
    expect(new Set(espeak.map((s) => s.voice.split("@")[1])).size).toBeGreaterThan(8);
    for (const s of all.filter((x) => x.engine === "flite")) expect(s.voice).not.toMatch(/~/);
    const half = drawSpeakers(3, 400, catalog, "speakers", 0.5).filter(
      (s) => s.engine === "espeak",
    );
    const share = half.filter((s) => s.voice.includes("~")).length / half.length;
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.55);
  });
});

describe.skipIf(!haveEspeak)(`eSpeak NG speaks blends [needs ${ESPEAK_PACKAGE}]`, () => {
  let espeak: TtsEngine;
  beforeAll(async () => {
    const e = await loadEspeak();
    if (!e) throw new Error("eSpeak NG is installed but did not load");
    espeak = e;
  });
  afterAll(() => espeak?.close());
  const flat = { pitch: 1, pitchRange: 1, rate: 1 };
  const say = (voice: string) => espeak.speak("seven", voice, flat).samples;

  it("offers its formant presets for blending, not the klatt ones", () => {
    const b = espeak.blending;
    expect(b?.voices).toContain("en-us+m3");
    expect(b?.voices.some((v) => v.includes("klatt"))).toBe(false);
    expect(b?.blend("en-us+m3", "en-gb-x-rp+f2", 40)).toBe("en-us+m3~f2@40");
  });

  it("puts a blend's pitch between its two presets', the same on every call", () => {
    const low = f0(say("en-us+m3"));
    const high = f0(say("en-us+f2"));
    const mid = say("en-us+m3~f2@50");
    expect(high).toBeGreaterThan(low * 1.3);
    expect(f0(mid)).toBeGreaterThan(low * 1.1);
    expect(f0(mid)).toBeLessThan(high / 1.1);
    expect(Buffer.from(say("en-us+m3~f2@50").buffer).equals(Buffer.from(mid.buffer))).toBe(true);
  });

  it("refuses a blend with a klatt preset", () => {
    expect(() => say("en-us+m3~klatt@50")).toThrow(/cannot be blended/);
  });
});

describe("data synth --blend", () => {
  const dir = mkdtempSync(join(tmpdir(), "earshot-blend-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = { words: ["yes"], unknownWords: [], perWord: 2, seed: 1, noiseSeconds: 1 };

  it("is refused when no engine blends voices", async () => {
    await expect(
      synthesizeCorpus({ ...base, out: join(dir, "f"), engines: ["flite"], blend: 0.5 }),
    ).rejects.toThrow(/none of the engines \(flite\) blends voices/);
    await expect(
      synthesizeCorpus({ ...base, out: join(dir, "g"), engines: ["flite"], blend: 2 }),
    ).rejects.toThrow(/--blend must be a share from 0 to 1/);
  });

  it.skipIf(!haveEspeak)(
    "records the share in the manifest and speaks blended speakers",
    async () => {
      const out = join(dir, "e");
      const s = await synthesizeCorpus({ ...base, out, engines: ["espeak"], blend: 1 });
      expect(s.clips.written).toBe(2);
      const { readManifest } = await import("../../host/data/synth/manifest");
      const m = readManifest(out);
      expect(m?.config.blend).toBe(1);
      expect(m?.speakers.some((sp) => parseBlendedVoice(sp.voice) !== null)).toBe(true);
    },
  );
});
