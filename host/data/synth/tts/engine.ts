/**
 * The one interface every TTS engine is driven through. Engines are loaded asynchronously
 * (a wasm compile, a data package) and then speak synchronously, so a corpus run has no
 * interleaving to reason about and output depends only on the seed.
 */
import { EarshotError } from "../../../../shared/errors";

export type EngineName = "flite" | "espeak" | "gnuspeech";

export const ENGINE_NAMES: readonly EngineName[] = ["flite", "espeak", "gnuspeech"];

/**
 * Engine-neutral prosody. Each factor is relative to the voice's own default (1 = unchanged);
 * each engine maps them onto its own knobs.
 */
export interface Prosody {
  /** Mean fundamental frequency factor. */
  pitch: number;
  /** Spread of the intonation contour around the mean. */
  pitchRange: number;
  /** Speaking rate: > 1 speaks faster (shorter words). */
  rate: number;
}

/** Mono audio at the engine's own sample rate, in [-1, 1]. */
export interface Utterance {
  samples: Float32Array;
  sampleRate: number;
}

export interface TtsEngine {
  readonly name: EngineName;
  /** Voice identifiers this engine accepts in `speak` (of the language it was loaded for). */
  readonly voices: readonly string[];
  speak(text: string, voice: string, prosody: Prosody): Utterance;
  /** Present where the engine can mix two of its voices (eSpeak NG's presets). */
  readonly blending?: VoiceBlending;
  /** Releases temporary files and native memory. */
  close(): void;
}

/** How an engine makes a voice between two of its own. */
export interface VoiceBlending {
  /** The voices that may be blended (a subset of `voices`). */
  readonly voices: readonly string[];
  /** The voice `percent` of the way from `a` to `b` (both from `voices`), to pass to `speak`. */
  blend(a: string, b: string, percent: number): string;
}

/** Raised when a TTS engine cannot be loaded or fails on an input; the CLI prints the message. */
export class TtsError extends EarshotError {
  constructor(message: string) {
    super("tts", message);
    this.name = "TtsError";
  }
}
