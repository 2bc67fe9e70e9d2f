import { resample } from "../resample";
import type { Rng } from "../rng";
import { applyMic, type MicBand } from "./mic";
import { pinkNoise } from "./noise";
import { TRACT_DEN } from "./speakers";

/**
 * Turns a raw TTS utterance (16 kHz) into a Speech Commands clip: silence trimmed, vocal tract
 * scaled, level set, placed at a random offset inside exactly one second, over a low noise floor.
 */

export const CLIP_RATE = 16000;
export const CLIP_SAMPLES = 16000;

const FRAME = 160; // 10 ms
/** Frames this far below the loudest frame count as silence when trimming. */
const TRIM_DB = -40;
/** Kept around the trimmed word so onsets and releases are not cut. */
const TRIM_PAD = 320;
/** The longest a word may be inside the second; longer words are sped up to fit. */
export const MAX_WORD = Math.round(0.96 * CLIP_SAMPLES);
const FADE = 80; // 5 ms

/**
 * [start, end) of the part of `x` within `thresholdDb` of its loudest 10 ms frame, padded by
 * `pad` samples.
 */
export function speechBounds(
  x: Float32Array,
  thresholdDb = TRIM_DB,
  pad = TRIM_PAD,
): [number, number] {
  const frames = Math.ceil(x.length / FRAME);
  const energy = new Float64Array(frames);
  let max = 0;
  for (let f = 0; f < frames; f++) {
    let e = 0;
    const end = Math.min(x.length, (f + 1) * FRAME);
    for (let i = f * FRAME; i < end; i++) e += x[i] * x[i];
    energy[f] = e / (end - f * FRAME);
    if (energy[f] > max) max = energy[f];
  }
  if (max === 0) return [0, 0];
  const floor = max * 10 ** (thresholdDb / 10);
  let first = 0;
  while (energy[first] < floor) first++;
  let last = frames - 1;
  while (energy[last] < floor) last--;
  return [Math.max(0, first * FRAME - pad), Math.min(x.length, (last + 1) * FRAME + pad)];
}

function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, x.length));
}

function peak(x: Float32Array): number {
  let p = 0;
  for (let i = 0; i < x.length; i++) p = Math.max(p, Math.abs(x[i]));
  return p;
}

export interface ClipShape {
  /** Vocal-tract scale numerator over TRACT_DEN (see Speaker.tractK). */
  tractK: number;
  /** The recording device's band, applied to the word (the noise floor is the room's). */
  mic: MicBand;
  /** RMS of the word, dBFS. */
  levelDb: number;
  /** RMS of the noise floor, dBFS. */
  floorDb: number;
  /** Where the word starts, as a fraction of the free room in the second. */
  offset: number;
}

/** Draws the per-clip level, floor and placement. */
export function drawShape(rng: Rng, tractK: number, mic: MicBand): ClipShape {
  return {
    tractK,
    mic,
    levelDb: rng.uniform(-30, -14),
    floorDb: rng.uniform(-72, -52),
    offset: rng.next(),
  };
}

/** Builds the one-second clip from a 16 kHz utterance; `rng` draws the noise floor. */
export function shapeClip(speech: Float32Array, s: ClipShape, rng: Rng): Float32Array {
  const [a, b] = speechBounds(speech);
  if (b <= a) throw new Error("shapeClip: the utterance is silent");
  // Replaying at rate k/160: the source is treated as sampled at 100*k Hz and converted to 16 kHz.
  let word = resample(speech.subarray(a, b), (CLIP_RATE / TRACT_DEN) * s.tractK, CLIP_RATE);
  if (word.length > MAX_WORD) {
    const k = Math.ceil((TRACT_DEN * word.length) / MAX_WORD);
    word = resample(word, (CLIP_RATE / TRACT_DEN) * k, CLIP_RATE).subarray(0, MAX_WORD);
  }
  applyMic(word, s.mic);
  const n = word.length;
  const fade = Math.min(FADE, n >> 2);
  for (let i = 0; i < fade; i++) {
    const g = i / fade;
    word[i] *= g;
    word[n - 1 - i] *= g;
  }
  let gain = 10 ** (s.levelDb / 20) / Math.max(rms(word), 1e-9);
  gain = Math.min(gain, 0.95 / Math.max(peak(word), 1e-9));

  const clip = pinkNoise(CLIP_SAMPLES, rng, 10 ** (s.floorDb / 20));
  const start = Math.floor(s.offset * (CLIP_SAMPLES - n + 1));
  for (let i = 0; i < n; i++) clip[start + i] += gain * word[i];
  return clip;
}
