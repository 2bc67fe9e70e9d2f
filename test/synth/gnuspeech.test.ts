import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TtsEngine } from "../../host/data/synth/tts/engine";
import { GNUSPEECH_PACKAGE } from "../../host/data/synth/tts/gnuspeech";
import { f0 } from "./pitch";

const haveGnuSpeech = (() => {
  try {
    createRequire(import.meta.url).resolve(`${GNUSPEECH_PACKAGE}/package.json`);
    return true;
  } catch {
    return false;
  }
})();

const same = (a: Float32Array, b: Float32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );

/** Samples from the first to the last 10 ms block within 30 dB of the loudest. */
function spokenLength(x: Float32Array): number {
  const e: number[] = [];
  for (let s = 0; s + 160 <= x.length; s += 160) {
    let v = 0;
    for (let i = s; i < s + 160; i++) v += x[i] * x[i];
    e.push(v);
  }
  const loud = Math.max(...e) / 1000;
  const first = e.findIndex((v) => v > loud);
  let last = e.length - 1;
  while (e[last] <= loud) last--;
  return (last - first + 1) * 160;
}

describe.skipIf(!haveGnuSpeech)(`GnuSpeech voices [needs ${GNUSPEECH_PACKAGE}]`, () => {
  let first: TtsEngine;
  let second: TtsEngine;
  const plain = { pitch: 1, pitchRange: 1, rate: 1 };

  beforeAll(async () => {
    const { loadEngines } = await import("../../host/data/synth/tts/load");
    [first] = await loadEngines(["gnuspeech"]);
    [second] = await loadEngines(["gnuspeech"]);
  });
  afterAll(() => {
    first?.close();
    second?.close();
  });

  it("offers each preset with a plain and a breathy glottal source", () => {
    expect(first.name).toBe("gnuspeech");
    expect(first.voices).toEqual([
      "male+plain",
      "male+breathy",
      "female+plain",
      "female+breathy",
      "large_child+plain",
      "large_child+breathy",
      "small_child+plain",
      "small_child+breathy",
    ]);
  });

  it("speaks identically whatever was said before, and in another instance", () => {
    const a = first.speak("left", "female+plain", plain).samples;
    first.speak("house", "male+breathy", { pitch: 1.3, pitchRange: 0.6, rate: 1.2 });
    const b = first.speak("left", "female+plain", plain).samples;
    const c = second.speak("left", "female+plain", plain).samples;
    expect(a.length).toBeGreaterThan(4000);
    expect(same(a, b)).toBe(true);
    expect(same(a, c)).toBe(true);
    // The random intonation is seeded by what is said: another prosody is other audio.
    expect(same(a, first.speak("left", "female+breathy", plain).samples)).toBe(false);
  });

  it("maps pitch to the fundamental and rate to the word's length", () => {
    const base = first.speak("no", "male+plain", plain).samples;
    // The seeded random intonation moves one word's contour from one prosody to the next, so
    // the ratio is a geometric mean over words.
    const words = ["no", "one", "go", "nine"];
    let logRatio = 0;
    for (const w of words) {
      const lo = first.speak(w, "male+plain", plain).samples;
      const hi = first.speak(w, "male+plain", { ...plain, pitch: 1.5 }).samples;
      logRatio += Math.log(f0(hi) / f0(lo)) / words.length;
    }
    expect(Math.exp(logRatio)).toBeGreaterThan(1.3);
    expect(Math.exp(logRatio)).toBeLessThan(1.7);
    // The children's presets sit well above the adult male.
    expect(f0(first.speak("no", "small_child+plain", plain).samples)).toBeGreaterThan(
      1.5 * f0(base),
    );
    // Summed over words: one word's pauses and segment timings move with the random draws.
    let faster = 0;
    let normal = 0;
    for (const w of ["seven", "marvin", "backward", "follow"]) {
      faster += spokenLength(first.speak(w, "female+plain", { ...plain, rate: 1.5 }).samples);
      normal += spokenLength(first.speak(w, "female+plain", plain).samples);
    }
    expect(faster / normal).toBeLessThan(0.85);
  });

  it("refuses an unknown voice naming it", () => {
    expect(() => first.speak("yes", "tenor+plain", plain)).toThrow(
      "gnuspeech: unknown voice 'tenor+plain'",
    );
  });
});
