import { Rng } from "../rng";
import type { ClipItem } from "./plan";
import { drawShape, shapeClip } from "./shape";
import { utteranceVariation } from "./speakers";
import { type EngineName, type TtsEngine, TtsError } from "./tts/engine";

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
  const speech = engine.speak(item.text ?? item.word, item.speaker.voice, take.prosody).samples;
  try {
    return shapeClip(speech, drawShape(rng, take.tractK, item.speaker.mic), rng);
  } catch (err) {
    // A word the engine cannot say comes back silent: name the clip, voice and word.
    throw new TtsError(
      `${item.rel}: ${item.speaker.engine} voice ${item.speaker.voice} said nothing for '${item.word}' (${(err as Error).message})`,
    );
  }
}
