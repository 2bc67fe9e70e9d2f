import { Rng } from "../../rng";
import { decodeWav } from "../../wav/read";
import { type Prosody, type TtsEngine, TtsError, type Utterance } from "./engine";
import { type EmscriptenHeap, heapRestorer } from "./heap-snapshot";

/**
 * GnuSpeech (articulatory synthesis: a tube model of the vocal tract driven by a glottal
 * source), compiled with Emscripten by the Echogarden project. GPL-3.0, so, like eSpeak NG, an
 * optional package loaded only when installed. Its voices are the model's own presets (male,
 * female, two children) plus a breathier glottal source for each; they sound unlike both
 * Flite's recorded units and eSpeak's formant synthesis, which is the point of a third engine.
 *
 * The package's `synthesize` is async and keeps its module private, so the Emscripten module is
 * loaded here and driven directly: per utterance, write the control model and voice files into
 * its in-memory file system, call `GnuSpeech_synthesizeToFile`, read the WAV back.
 */

export const GNUSPEECH_PACKAGE = "@echogarden/gnuspeech-wasm";
/** The package's Emscripten factory (its own entry keeps the module private). */
const GNUSPEECH_FACTORY = "@echogarden/gnuspeech-wasm/wasm/gnuspeech.js";

/** The presets (voice_<name>.txt in the package's data/en) a voice is built on. */
const PRESETS = ["male", "female", "large_child", "small_child"] as const;
/** Glottal-source variants: the preset as it is, and with more aspiration noise. */
const VARIANTS: Record<string, (voiceFile: string) => string> = {
  plain: (v) => v,
  breathy: (v) => setValue(v, "breathiness", (b) => Math.min(10, b * 5 + 2)),
};

const DATA_DIR = "/data/en";
const VOICE_NAME = "earshot";

interface GnuSpeechModule extends EmscriptenHeap {
  FS: {
    readFile(path: string, opts?: { encoding: "utf8" }): Uint8Array | string;
    writeFile(path: string, data: string): void;
    unlink(path: string): void;
  };
  _malloc(n: number): number;
  _GnuSpeech_synthesizeToFile(
    text: number,
    outPath: number,
    configDir: number,
    paramPath: number,
    debug: number,
  ): number;
}

/** `key = value` lines of GnuSpeech's config files; the first occurrence of `key` is replaced. */
function setValue(file: string, key: string, f: (old: number) => number): string {
  const re = new RegExp(`^${key}\\s*=\\s*(-?[0-9.]+)`, "m");
  const m = re.exec(file);
  if (!m) throw new TtsError(`gnuspeech: '${key}' not found in a config file`);
  return file.replace(re, `${key} = ${f(Number(m[1])).toFixed(4)}`);
}

/**
 * Runs `f` with `crypto.getRandomValues` replaced by the seeded stream `rng`. GnuSpeech
 * draws its intonation drift and random intonation from `std::random_device`, which Emscripten
 * serves from `crypto.getRandomValues`: left alone, the same call gave different audio every
 * time. `f` is synchronous, so nothing else sees the replacement.
 */
function withSeededRandom<T>(rng: Rng, f: () => T): T {
  const c = globalThis.crypto as unknown as { getRandomValues: (v: Uint8Array) => Uint8Array };
  const original = c.getRandomValues;
  c.getRandomValues = (view: Uint8Array) => {
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    for (let i = 0; i < bytes.length; i++) bytes[i] = rng.uint32() & 0xff;
    return view;
  };
  try {
    return f();
  } finally {
    c.getRandomValues = original;
  }
}

/** Loads GnuSpeech; returns null when the optional package is not installed. */
export async function loadGnuSpeech(): Promise<TtsEngine | null> {
  let init: (arg?: object) => Promise<GnuSpeechModule>;
  try {
    // The Emscripten factory itself (the package's own entry hides the module). A variable
    // specifier keeps bundlers and type-checkers from requiring the package.
    const specifier: string = GNUSPEECH_FACTORY;
    init = (await import(specifier)).default;
  } catch {
    return null;
  }
  const m = await init({ print: () => {}, printErr: () => {} });
  const readText = (path: string): string => {
    const t = m.FS.readFile(path, { encoding: "utf8" });
    return typeof t === "string" ? t : new TextDecoder().decode(t);
  };
  const presets = new Map<string, string>();
  for (const p of PRESETS) presets.set(p, readText(`${DATA_DIR}/voice_${p}.txt`));
  const controlModel = readText(`${DATA_DIR}/trm_control_model.txt`);
  const voices: string[] = [];
  for (const p of PRESETS) for (const v of Object.keys(VARIANTS)) voices.push(`${p}+${v}`);
  // Each utterance independent of the ones before it (heap-snapshot.ts).
  const reset = heapRestorer(m);
  const cString = (s: string): number => {
    const bytes = new TextEncoder().encode(s);
    const at = m._malloc(bytes.length + 1);
    m.HEAPU8.set(bytes, at);
    m.HEAPU8[at + bytes.length] = 0;
    return at;
  };
  let closed = false;

  return {
    name: "gnuspeech",
    voices,
    speak(text: string, voice: string, p: Prosody): Utterance {
      if (closed) throw new TtsError("gnuspeech: engine is closed");
      const [preset, variant] = voice.split("+");
      const base = presets.get(preset);
      const vary = VARIANTS[variant];
      if (base === undefined || vary === undefined)
        throw new TtsError(`gnuspeech: unknown voice '${voice}'`);
      // Pitch as an offset in semitones on the preset's; the intonation contour's excursions
      // scaled by the range factor; the rate as its tempo.
      const r = p.pitchRange;
      let control = setValue(controlModel, "pitch_offset", (v) => v + 12 * Math.log2(p.pitch));
      control = setValue(control, "tempo", () => p.rate);
      for (const key of ["pretonic_range", "pretonic_lift", "tonic_range", "tonic_movement"])
        control = setValue(control, key, (v) => v * r);
      control = control.replace(/^voice_name\s*=.*$/m, `voice_name = ${VOICE_NAME}`);
      m.FS.writeFile(`${DATA_DIR}/trm_control_model.txt`, control);
      m.FS.writeFile(`${DATA_DIR}/voice_${VOICE_NAME}.txt`, vary(base));
      try {
        m.FS.unlink("/tmp/u.wav"); // never read an earlier utterance's file
      } catch {
        // not there yet
      }
      // Its random draws follow from what is said and how (Rng.fork hashes the label).
      const rng = new Rng(0).fork(`${text}|${voice}|${p.pitch}|${p.pitchRange}|${p.rate}`);
      withSeededRandom(rng, () => {
        reset();
        m._GnuSpeech_synthesizeToFile(
          cString(text),
          cString("/tmp/u.wav"),
          cString(DATA_DIR),
          cString("/tmp/u-params.txt"),
          0,
        );
      });
      const wav = m.FS.readFile("/tmp/u.wav") as Uint8Array;
      if (wav.length <= 44)
        throw new TtsError(`gnuspeech: no audio for '${text}' (voice ${voice})`);
      // decodeWav converts its 44.1 kHz to 16 kHz.
      const u = decodeWav(Buffer.from(wav), `gnuspeech:${voice}:${text}`);
      return { samples: u.samples, sampleRate: 16000 };
    },
    close() {
      closed = true;
    },
  };
}
