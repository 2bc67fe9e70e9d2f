import { createHash } from "node:crypto";
import { Rng } from "../rng";
import type { MicBand } from "./mic";
import type { EngineName, Prosody, VoiceBlending } from "./tts/engine";

/**
 * A synthetic speaker: one engine, one voice, and one draw of prosody and vocal-tract scale.
 * Its id is the first 8 hex digits of a SHA-1 of that draw, so it looks like the real dataset's
 * speaker hashes and the hash split (which keys on it) keeps each speaker in one subset.
 */
export interface Speaker {
  id: string;
  engine: EngineName;
  voice: string;
  prosody: Prosody;
  /**
   * Vocal-tract scale as an integer k: audio is replayed k/160 times faster, which scales
   * formants and pitch together. Multiples of 1/160 keep the resampler's phase table small.
   */
  tractK: number;
  /** The band of the device this speaker recorded on. */
  mic: MicBand;
}

/** Bounds of `rateScale`: eSpeak NG stops slowing down at 80 words a minute (0.46 of its pace). */
export const MIN_RATE_SCALE = 0.5;
export const MAX_RATE_SCALE = 1.5;

/** Denominator of the vocal-tract scale (see `Speaker.tractK`). */
export const TRACT_DEN = 160;

export interface VoiceCatalog {
  engine: EngineName;
  voices: readonly string[];
  /** Where the engine blends voices (see `drawSpeakers`' `blendShare`). */
  blending?: VoiceBlending;
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
const round3 = (v: number) => Math.round(v * 1000) / 1000;

function speakerHash(draw: Omit<Speaker, "id">, salt: number): string {
  const key = JSON.stringify([
    draw.engine,
    draw.voice,
    draw.prosody.pitch,
    draw.prosody.pitchRange,
    draw.prosody.rate,
    draw.tractK,
    draw.mic.highPassHz,
    draw.mic.lowPassHz,
    salt,
  ]);
  return createHash("sha1").update(key).digest("hex").slice(0, 8);
}

/**
 * Draws one speaker: engine uniformly, then a voice of that engine, then prosody. With
 * `blendShare` > 0, that share of the blendable voices drawn become a blend with a second voice
 * of the engine, 20..80% of the way to it (in steps of 5%). At 0 nothing extra is drawn, so
 * corpora made before blending keep their speakers. `rateScale` scales every speaker's speaking
 * rate (below 1: slower, longer words); at 1 the draws are those made before it existed.
 */
export function drawSpeaker(
  rng: Rng,
  catalog: readonly VoiceCatalog[],
  blendShare = 0,
  rateScale = 1,
): Omit<Speaker, "id"> {
  const { engine, voices, blending } = rng.pick(catalog);
  let voice = rng.pick(voices);
  if (blendShare > 0 && blending?.voices.includes(voice) && rng.next() < blendShare)
    voice = blending.blend(voice, rng.pick(blending.voices), 5 * (4 + rng.int(13)));
  return {
    engine,
    voice,
    prosody: {
      pitch: round3(clamp(Math.exp(0.15 * rng.normal()), 0.7, 1.45)),
      pitchRange: round3(rng.uniform(0.5, 1.6)),
      rate: round3(rateScale * clamp(Math.exp(0.12 * rng.normal()), 0.75, 1.35)),
    },
    tractK: Math.round(clamp(TRACT_DEN * Math.exp(0.04 * rng.normal()), 146, 176)),
    mic: {
      highPassHz: Math.round(Math.exp(rng.uniform(Math.log(40), Math.log(300)))),
      lowPassHz: Math.round(Math.exp(rng.uniform(Math.log(3400), Math.log(8000)))),
    },
  };
}

/** `count` distinct speakers, reproducible from `seed` and the catalog. */
export function drawSpeakers(
  seed: number,
  count: number,
  catalog: readonly VoiceCatalog[],
  label = "speakers",
  blendShare = 0,
  rateScale = 1,
): Speaker[] {
  if (catalog.length === 0) throw new Error("drawSpeakers: no TTS engine available");
  const rng = new Rng(seed).fork(label);
  const seen = new Set<string>();
  const out: Speaker[] = [];
  for (let i = 0; i < count; i++) {
    const draw = drawSpeaker(rng, catalog, blendShare, rateScale);
    let salt = 0;
    let id = speakerHash(draw, salt);
    // Two identical draws (or a 32-bit collision) must still be two speakers.
    while (seen.has(id)) id = speakerHash(draw, ++salt);
    seen.add(id);
    out.push({ id, ...draw });
  }
  return out;
}

/** One take's prosody: the speaker's own, with small take-to-take variation. */
export function utteranceVariation(
  speaker: Speaker,
  rng: Rng,
): { prosody: Prosody; tractK: number } {
  const p = speaker.prosody;
  return {
    prosody: {
      pitch: p.pitch * Math.exp(0.04 * rng.normal()),
      pitchRange: p.pitchRange * Math.exp(0.08 * rng.normal()),
      rate: p.rate * Math.exp(0.05 * rng.normal()),
    },
    tractK: speaker.tractK + rng.int(3) - 1,
  };
}
