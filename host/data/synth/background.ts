import { BACKGROUND_NOISE_DIR } from "../labels";
import { Rng } from "../rng";
import { BABBLE_WORDS } from "./config";
import { babble, brownNoise, mainsHum, pinkNoise, whiteNoise } from "./noise";
import { speechBounds } from "./shape";
import { drawSpeakers, type VoiceCatalog } from "./speakers";
import type { TtsEngine } from "./tts/engine";

/** One file of `_background_noise_`. */
export interface NoiseItem {
  name: string;
  /** Path relative to the corpus root. */
  rel: string;
}

const KINDS = ["white_noise", "pink_noise", "brown_noise", "hum_50hz", "hum_60hz", "babble"];

export function planNoise(): NoiseItem[] {
  return KINDS.map((name) => ({ name, rel: `${BACKGROUND_NOISE_DIR}/${name}.wav` }));
}

/** Talker streams overlapping in the babble file. */
const BABBLE_TALKERS = 6;
/** Distinct spoken tokens per second of babble (reused across talkers), within bounds. */
const BABBLE_TOKENS_PER_SECOND = 2;
const BABBLE_TOKENS_MIN = 8;
const BABBLE_TOKENS_MAX = 48;

/** Word tokens for babble, from speakers of their own (not the corpus speakers). */
function babbleTokens(
  seed: number,
  seconds: number,
  words: readonly string[],
  engines: readonly TtsEngine[],
): Float32Array[] {
  const count = Math.min(
    BABBLE_TOKENS_MAX,
    Math.max(BABBLE_TOKENS_MIN, Math.round(seconds * BABBLE_TOKENS_PER_SECOND)),
  );
  const catalog: VoiceCatalog[] = engines.map((e) => ({ engine: e.name, voices: e.voices }));
  const talkers = drawSpeakers(seed, 12, catalog, "babble-speakers");
  const rng = new Rng(seed).fork("babble-tokens");
  const byName = new Map(engines.map((e) => [e.name, e]));
  const tokens: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const s = rng.pick(talkers);
    const engine = byName.get(s.engine);
    if (!engine) continue;
    const u = engine.speak(rng.pick(words), s.voice, s.prosody);
    const [a, b] = speechBounds(u.samples);
    if (b > a) tokens.push(u.samples.slice(a, b));
  }
  return tokens;
}

/**
 * Renders one background noise file of `seconds`. `extraWords` (the unknown words) join the
 * babble vocabulary; keywords never do, so babble cannot teach a false keyword.
 */
export function renderNoise(
  item: NoiseItem,
  seed: number,
  seconds: number,
  engines: readonly TtsEngine[],
  extraWords: readonly string[],
  keywords: readonly string[],
): Float32Array {
  const n = Math.round(seconds * 16000);
  const rng = new Rng(seed).fork(item.rel);
  switch (item.name) {
    case "white_noise":
      return whiteNoise(n, rng, 0.1);
    case "pink_noise":
      return pinkNoise(n, rng, 0.1);
    case "brown_noise":
      return brownNoise(n, rng, 0.1);
    case "hum_50hz":
      return mainsHum(n, 50, rng, 0.05);
    case "hum_60hz":
      return mainsHum(n, 60, rng, 0.05);
    case "babble": {
      const kw = new Set(keywords);
      const words = [...new Set([...BABBLE_WORDS, ...extraWords])].filter((w) => !kw.has(w));
      return babble(n, babbleTokens(seed, seconds, words, engines), BABBLE_TALKERS, rng, 0.08);
    }
    default:
      throw new Error(`renderNoise: unknown kind '${item.name}'`);
  }
}
