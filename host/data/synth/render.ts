import { Rng } from "../rng";
import type { ClipItem } from "./plan";
import { type ClipDefect, utteranceDefect } from "./quality";
import { drawShape, shapeClip } from "./shape";
import { utteranceVariation } from "./speakers";
import type { EngineName, TtsEngine } from "./tts/engine";

/** A rendered clip, or the reason its take was dropped (quality.ts). */
export type RenderedClip = { samples: Float32Array } | { defect: ClipDefect };

/**
 * Renders one clip. Its randomness comes only from (seed, clip path), never from what ran
 * before, so any subset of clips can be (re)generated in any order with identical bytes.
 */
export function renderClip(
  item: ClipItem,
  seed: number,
  engines: ReadonlyMap<EngineName, TtsEngine>,
): RenderedClip {
  const engine = engines.get(item.speaker.engine);
  if (!engine) throw new Error(`renderClip: engine '${item.speaker.engine}' is not loaded`);
  const rng = new Rng(seed).fork(item.rel);
  const take = utteranceVariation(item.speaker, rng);
  const speech = engine.speak(item.text ?? item.word, item.speaker.voice, take.prosody).samples;
  const defect = utteranceDefect(speech, take.tractK);
  if (defect) return { defect };
  return { samples: shapeClip(speech, drawShape(rng, take.tractK, item.speaker.mic), rng) };
}
