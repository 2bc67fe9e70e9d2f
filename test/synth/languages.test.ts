/**
 * `data synth --lang`: only voices of the language are offered (every eSpeak NG voice of it,
 * each with every variant; Flite only for English), an unknown language is refused in one line,
 * and non-Latin words are spoken as words (UTF-8), not spelled letter by letter as a voice of
 * another language does. Skips loudly without the optional eSpeak NG package.
 */
import { describe, expect, it } from "vitest";
import { TtsError } from "../../host/data/synth/tts/engine";
import { ESPEAK_PACKAGE } from "../../host/data/synth/tts/espeak";
import { voiceInLanguage } from "../../host/data/synth/tts/languages";
import { closeEngines, loadEngines } from "../../host/data/synth/tts/load";
import { haveEspeak } from "./espeak-available";

const P = { pitch: 1, pitchRange: 1, rate: 1 };

it("language tags match a voice and its regional variants only", () => {
  expect(voiceInLanguage("fr-BE", "fr")).toBe(true);
  expect(voiceInLanguage("fr", "fr")).toBe(true);
  expect(voiceInLanguage("fr", "fr-BE")).toBe(false);
  expect(voiceInLanguage("fo", "fr")).toBe(false);
  expect(voiceInLanguage("es-419", "es")).toBe(true);
  expect(voiceInLanguage("et", "es")).toBe(false);
});

describe.skipIf(!haveEspeak)(`--lang voice selection [needs ${ESPEAK_PACKAGE}]`, () => {
  it.each([
    "de",
    "fr",
    "es",
    "ru",
    "cmn",
    "hi",
  ])("%s: every offered voice is of that language", async (lang) => {
    const engines = await loadEngines("auto", lang);
    try {
      expect(engines.map((e) => e.name)).toEqual(["espeak"]);
      const voices = engines[0].voices;
      const tags = new Set(voices.map((v) => v.split("+")[0]));
      expect(voices.length).toBeGreaterThanOrEqual(30);
      for (const t of tags) expect(voiceInLanguage(t, lang), t).toBe(true);
      if (lang === "fr") expect([...tags].sort()).toEqual(["fr", "fr-BE", "fr-CH"]);
      // Each voice with every variant.
      expect(voices.length % tags.size).toBe(0);
    } finally {
      closeEngines(engines);
    }
  });

  it("en takes Flite and every English eSpeak accent", async () => {
    const engines = await loadEngines("auto", "en");
    try {
      expect(engines.map((e) => e.name)).toEqual(["flite", "espeak"]);
      const tags = new Set(engines[1].voices.map((v) => v.split("+")[0]));
      for (const t of tags) expect(t.startsWith("en")).toBe(true);
      expect(tags.size).toBeGreaterThanOrEqual(8);
    } finally {
      closeEngines(engines);
    }
  });

  it("refuses a language no voice speaks, and Flite for another language, in one line", async () => {
    await expect(loadEngines("auto", "xx")).rejects.toThrow(/^no installed TTS voice speaks 'xx'/);
    await expect(loadEngines(["flite"], "de")).rejects.toThrow(TtsError);
  });

  it("speaks non-Latin words as words in their language", async () => {
    const [ru] = await loadEngines(["espeak"], "ru");
    const [en] = (await loadEngines(["espeak"])).filter((e) => e.name === "espeak");
    const [hi] = await loadEngines(["espeak"], "hi");
    const [cmn] = await loadEngines(["espeak"], "cmn");
    try {
      // A two-syllable word lasts well under a second; read by an English voice, the Cyrillic
      // letters are named one by one and take much longer.
      const native = ru.speak("привет", ru.voices[0], P).samples.length;
      const foreign = en.speak("привет", "en-us+m1", P).samples.length;
      expect(native).toBeLessThan(16000);
      expect(foreign).toBeGreaterThan(1.8 * native);
      // Devanagari and Han: a word-length utterance (0.2 to 1 s) from the language's own voice.
      for (const [e, word] of [
        [hi, "नमस्ते"],
        [cmn, "你好"],
      ] as const) {
        const n = e.speak(word, e.voices[0], P).samples.length;
        expect(n).toBeGreaterThan(3200);
        expect(n).toBeLessThan(16000);
      }
    } finally {
      closeEngines([ru, en, hi, cmn]);
    }
  });
});

describe("--accents-from: voices of other languages speak the words", () => {
  it("needs eSpeak NG among the engines", async () => {
    await expect(loadEngines(["flite"], undefined, ["de"])).rejects.toThrow(
      /--accents-from needs eSpeak NG/,
    );
  });

  it.skipIf(!haveEspeak)("adds every voice of those languages to the English ones", async () => {
    const [plain] = await loadEngines(["espeak"]);
    const [more] = await loadEngines(["espeak"], undefined, ["de", "es"]);
    try {
      const tags = (e: typeof plain) => new Set(e.voices.map((v) => v.split("+")[0]));
      // Without it the voice set (and so the default corpus) is as before.
      expect([...tags(plain)].every((t) => t.startsWith("en"))).toBe(true);
      expect([...tags(more)].sort()).toEqual([...tags(plain), "de", "es", "es-419"].sort());
      expect(more.voices).toContain("de+m3");
      // A German voice reads English spelling by German rules: "stop" is not what en-us says.
      const de = more.speak("stop", "de+m3", P).samples;
      const en = more.speak("stop", "en-us+m3", P).samples;
      expect(de.length).toBeGreaterThan(1000);
      expect(Buffer.from(de.buffer).equals(Buffer.from(en.buffer))).toBe(false);
      await expect(loadEngines(["espeak"], undefined, ["xx"])).rejects.toThrow(
        /no voice for language 'xx'/,
      );
    } finally {
      closeEngines([plain, more]);
    }
  });
});
