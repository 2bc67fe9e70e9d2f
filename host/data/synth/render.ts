import { Rng } from "../rng";
import type { ClipItem } from "./plan";
import { drawShape, shapeClip } from "./shape";
import { utteranceVariation } from "./speakers";
import type { EngineName, TtsEngine } from "./tts/engine";

/**
 * Renders one clip. Its randomness comes only from (seed, clip path), never from what ran
 * before, so any subset of clips can be (re)generated in any order with identical bytes.
 */
export function renderClip(
  item: ClipItem,
  seed: number,
  engines: ReadonlyMap<EngineName, TtsEngine>,
): Float32Array {
  const engine = engines.get(item.speaker.engine);
  if (!engine) throw new Error(`renderClip: engine '${item.speaker.engine}' is not loaded`);
  const rng = new Rng(seed).fork(item.rel);
  const take = utteranceVariation(item.speaker, rng);
  const speech = engine.speak(item.word, item.speaker.voice, take.prosody).samples;
  return shapeClip(speech, drawShape(rng, take.tractK), rng);
}
