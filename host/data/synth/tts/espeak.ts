import { resample } from "../../resample";
import { type Prosody, type TtsEngine, TtsError, type Utterance } from "./engine";
import { blendFileName, blendPresets, formatBlendedVoice, parseBlendedVoice } from "./espeak-blend";
import { type EmscriptenHeap, heapRestorer } from "./heap-snapshot";
import { voiceInLanguage } from "./languages";

/**
 * eSpeak NG compiled with Emscripten: an OPTIONAL dependency, because it is GPL-3.0. It is
 * only ever loaded through a dynamic import, so earshot runs (with flite alone) when it is
 * absent, and nothing of it is bundled into earshot's own code.
 *
 * A voice here is `<accent>+<variant>`: one of eSpeak's English accents (or, for another
 * language, every eSpeak NG voice of that language) combined with one of its voice variants
 * (formant and pitch presets), which multiplies the distinct voices.
 */

export const ESPEAK_PACKAGE = "@echogarden/espeak-ng-emscripten";

const ACCENTS = [
  "en-us",
  "en",
  "en-029",
  "en-gb-scotland",
  "en-gb-x-gbclan",
  "en-gb-x-gbcwmd",
  "en-gb-x-rp",
  "en-us-nyc",
];

/** Human-sounding variants; the robotic and effect presets are left out. */
const VARIANTS = [
  "m1",
  "m2",
  "m3",
  "m4",
  "m5",
  "m6",
  "m7",
  "f1",
  "f2",
  "f3",
  "f4",
  "f5",
  "klatt",
  "klatt2",
  "klatt3",
  "adam",
  "Andy",
  "Annie",
  "belinda",
  "benjamin",
  "david",
  "ed",
  "grandma",
  "grandpa",
  "linda",
  "max",
  "michel",
  "norbert",
  "quincy",
  "steph",
  "travis",
  "victor",
];

/**
 * Variants that may be blended: the klatt presets switch eSpeak to another synthesizer, so a
 * number halfway between theirs and a formant preset's means nothing.
 */
const BLENDABLE_VARIANTS = VARIANTS.filter((v) => !v.startsWith("klatt"));

/** The variant of a voice `<accent>+<variant>`. */
const variantOf = (voice: string) => voice.slice(voice.lastIndexOf("+") + 1);

/** Where the package's data file system keeps the variant presets. */
const VARIANT_DIR = "/usr/share/espeak-ng-data/voices/!v";

/** eSpeak's default rate (words per minute) and its 0..99 pitch and range scales. */
const DEFAULT_WPM = 175;
const DEFAULT_PITCH = 50;
const DEFAULT_RANGE = 50;

interface EspeakWorker {
  set_voice(name: string): number;
  set_rate(wpm: number): number;
  set_pitch(v: number): number;
  set_range(v: number): number;
  get_samplerate(): number;
  /** The i-th installed voice (identifier "" past the end), e.g. { identifier: "roa/fr-BE" }. */
  get_voices(i: number): { identifier: string; name: string } | null;
  synthesize(text: string, cb: (audio: Int16Array | null, events: unknown[]) => boolean): void;
  __destroy__(): void;
}

interface EspeakModule extends EmscriptenHeap {
  eSpeakNGWorker: new () => EspeakWorker;
  FS: {
    readFile(path: string, o: { encoding: "utf8" }): string;
    writeFile(path: string, data: string): void;
    analyzePath(path: string): { exists: boolean };
  };
}

const clampScale = (v: number) => Math.max(0, Math.min(99, Math.round(v)));

/**
 * Runs `f` with the wall clock frozen at 0. eSpeak reads the time (Emscripten imports only
 * `Date.now` for it) to seed its random state, so the same utterance differed from one process
 * to the next; frozen, it is reproducible. `f` is synchronous, so nothing else sees the clock.
 */
function withFrozenClock<T>(f: () => T): T {
  const now = Date.now;
  Date.now = () => 0;
  try {
    return f();
  } finally {
    Date.now = now;
  }
}

/** Language tags of every installed eSpeak NG voice ("af", "fr-BE", "cmn", ...), in its order. */
function installedVoices(worker: EspeakWorker): string[] {
  const out: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const v = worker.get_voices(i);
    if (!v || !v.identifier) break;
    out.push(v.identifier.slice(v.identifier.lastIndexOf("/") + 1));
  }
  return out;
}

/**
 * Loads eSpeak NG; returns null when the optional package is not installed. Without `lang` the
 * voices are the English accents above; with it, every installed voice of that language (see
 * languages.ts), each with every variant. `accentsFrom` adds every voice of those languages.
 */
export async function loadEspeak(
  lang?: string,
  accentsFrom: readonly string[] = [],
): Promise<TtsEngine | null> {
  let init: (arg?: object) => Promise<EspeakModule>;
  try {
    // A variable specifier keeps bundlers and type-checkers from requiring the package.
    const specifier: string = ESPEAK_PACKAGE;
    init = (await import(specifier)).default;
  } catch {
    return null;
  }
  const now = Date.now;
  Date.now = () => 0; // see withFrozenClock; init is async, so freeze it by hand
  let m: EspeakModule;
  try {
    m = await init({ print: () => {}, printErr: () => {} });
  } finally {
    Date.now = now;
  }
  const worker = withFrozenClock(() => new m.eSpeakNGWorker());
  const rate = worker.get_samplerate();
  // The installed voice list is read only when a language asks for it.
  const installed =
    lang === undefined && accentsFrom.length === 0
      ? []
      : withFrozenClock(() => installedVoices(worker));
  const accents =
    lang === undefined ? [...ACCENTS] : installed.filter((t) => voiceInLanguage(t, lang));
  // Voices of other languages reading the same words: each reads them by its own language's
  // rules and phonemes, as a speaker of that language might.
  for (const other of accentsFrom) {
    const more = installed.filter((t) => voiceInLanguage(t, other) && !accents.includes(t));
    if (more.length === 0 && !accents.some((t) => voiceInLanguage(t, other))) {
      worker.__destroy__();
      throw new TtsError(`espeak: no voice for language '${other}' (--accents-from)`);
    }
    accents.push(...more);
  }
  const voices = accents.flatMap((a) => VARIANTS.map((v) => `${a}+${v}`));
  let closed = false;
  /**
   * The eSpeak voice name of `voice`: itself, or for a blend (`en-us+m3~f2@40`) its accent
   * with a preset written into the module's in-memory data folder on first use. The file system
   * lives outside the wasm heap, so the per-utterance heap restore keeps it.
   */
  const espeakVoice = (voice: string): string => {
    const b = parseBlendedVoice(voice);
    if (!b) return voice;
    if (!BLENDABLE_VARIANTS.includes(b.a) || !BLENDABLE_VARIANTS.includes(b.b))
      throw new TtsError(`espeak: '${voice}' blends a preset that cannot be blended`);
    const file = blendFileName(b);
    const path = `${VARIANT_DIR}/${file}`;
    if (!m.FS.analyzePath(path).exists) {
      const preset = (v: string) => m.FS.readFile(`${VARIANT_DIR}/${v}`, { encoding: "utf8" });
      m.FS.writeFile(path, blendPresets(preset(b.a), preset(b.b), b.percent / 100, file));
    }
    return `${b.accent}+${file}`;
  };
  // Each utterance independent of the ones before it (heap-snapshot.ts; ~17 MB copy, ~5 ms).
  const reset = heapRestorer(m);

  return {
    name: "espeak",
    voices,
    blending: {
      voices: voices.filter((v) => BLENDABLE_VARIANTS.includes(variantOf(v))),
      blend(a: string, b: string, percent: number): string {
        const accent = a.slice(0, a.lastIndexOf("+"));
        return formatBlendedVoice({ accent, a: variantOf(a), b: variantOf(b), percent });
      },
    },
    speak(text: string, voice: string, p: Prosody): Utterance {
      if (closed) throw new TtsError("espeak: engine is closed");
      const chunks: Int16Array[] = [];
      let total = 0;
      withFrozenClock(() => {
        reset();
        if (worker.set_voice(espeakVoice(voice)) !== 0)
          throw new TtsError(`espeak: unknown voice '${voice}'`);
        worker.set_rate(Math.round(DEFAULT_WPM * p.rate));
        worker.set_pitch(clampScale(DEFAULT_PITCH * p.pitch));
        worker.set_range(clampScale(DEFAULT_RANGE * p.pitchRange));
        worker.synthesize(text, (audio) => {
          if (audio && audio.length > 0) {
            chunks.push(audio);
            total += audio.length;
          }
          return false; // keep going
        });
      });
      if (total === 0) throw new TtsError(`espeak: no audio for '${text}' (voice ${voice})`);
      const x = new Float32Array(total);
      let o = 0;
      for (const c of chunks) for (let i = 0; i < c.length; i++) x[o++] = c[i] / 32768;
      return { samples: resample(x, rate, 16000), sampleRate: 16000 };
    },
    close() {
      if (!closed) worker.__destroy__();
      closed = true;
    },
  };
}
