import { MAX_WORD, speechBounds } from "./shape";
import { TRACT_DEN } from "./speakers";

/**
 * What makes a TTS utterance unfit for a clip. Such a take is dropped (not written) and counted
 * by reason, so a corpus holds no clip that teaches the model something false:
 * - `silent`: the engine said nothing for the word (a word it cannot say);
 * - `clipped`: the engine's own output hit full scale (its waveform is cut off at ±1);
 * - `too-long`: the word would have to be sped up by more than MAX_SPEEDUP to fit the second,
 *   which turns a slow phrase into a chipmunk version of itself.
 */
export type ClipDefect = "silent" | "clipped" | "too-long";

export const CLIP_DEFECTS: readonly ClipDefect[] = ["silent", "clipped", "too-long"];

/** Faster than this, a word that does not fit is dropped rather than squeezed. */
export const MAX_SPEEDUP = 1.25;
/** |x| at or above this is full scale for 16-bit output (32767 / 32768). */
const FULL_SCALE = 0.999;
/** Consecutive full-scale samples that mark a clipped waveform (one is just a peak). */
const CLIP_RUN = 3;

/**
 * The defect of a raw 16 kHz utterance about to be replayed k/160 times faster (`tractK`), or
 * null when it makes a clip. Measured on the default corpus (4,200 takes, Flite and eSpeak NG):
 * none, so corpora made before this check keep every clip.
 */
export function utteranceDefect(speech: Float32Array, tractK: number): ClipDefect | null {
  const [a, b] = speechBounds(speech);
  if (b <= a) return "silent";
  let run = 0;
  for (let i = a; i < b; i++) {
    run = Math.abs(speech[i]) >= FULL_SCALE ? run + 1 : 0;
    if (run >= CLIP_RUN) return "clipped";
  }
  const length = ((b - a) * TRACT_DEN) / tractK;
  if (length > MAX_WORD * MAX_SPEEDUP) return "too-long";
  return null;
}
