import { STANDARD_KEYWORDS } from "../labels";
import type { EngineName } from "./tts/engine";

/**
 * What a synthetic corpus is made of. Two runs with equal configs write identical bytes; the
 * manifest stores this, and a rerun with a different config is refused (unless forced) so a
 * folder never mixes two corpora.
 */
export interface SynthConfig {
  /** Bump when the generator's output changes for the same config. */
  generator: number;
  seed: number;
  /** Keyword folders. */
  words: string[];
  /** Non-keyword folders (the _unknown_ class). */
  unknownWords: string[];
  perWord: number;
  unknownPerWord: number;
  /** Size of the speaker pool. */
  speakers: number;
  /** Most takes one speaker gives of one word. */
  maxRepeats: number;
  /** Engines actually used (resolved from "auto"). */
  engines: EngineName[];
  /** Length of each background noise file. */
  noiseSeconds: number;
  /** Language of the voices (absent: the English voice set). */
  lang?: string;
  /** Languages whose eSpeak NG voices also speak the words (absent: none). */
  accentsFrom?: string[];
  /** Share of blendable voices drawn as blends of two (absent: none, as before blending). */
  blend?: number;
  /** Scale of every speaker's speaking rate (absent: 1, the engines' own pace). */
  rate?: number;
  /** Spoken text of folders whose name is not what is said (`--words label=text`). */
  say?: Record<string, string>;
}

export const GENERATOR_VERSION = 2;

/**
 * Non-keyword words for the _unknown_ class: the twenty auxiliary words of Speech Commands
 * v0.01 (v0.02 adds backward, forward, follow, learn, visual).
 */
export const DEFAULT_UNKNOWN_WORDS: readonly string[] = [
  "bed",
  "bird",
  "cat",
  "dog",
  "eight",
  "five",
  "four",
  "happy",
  "house",
  "marvin",
  "nine",
  "one",
  "seven",
  "sheila",
  "six",
  "three",
  "tree",
  "two",
  "wow",
  "zero",
];

export const DEFAULT_KEYWORDS: readonly string[] = STANDARD_KEYWORDS;

/** Everyday words for babble, none of them a keyword or a standard unknown word. */
export const BABBLE_WORDS: readonly string[] = [
  "the",
  "and",
  "water",
  "morning",
  "people",
  "table",
  "window",
  "music",
  "paper",
  "green",
  "little",
  "number",
  "coffee",
  "garden",
  "yellow",
  "market",
  "tomorrow",
  "really",
  "because",
  "something",
  "evening",
  "kitchen",
  "question",
  "about",
];

/** Speakers when not given: enough that each speaker gives ~1.5 takes of each word. */
export function defaultSpeakerCount(perWord: number, unknownPerWord: number): number {
  return Math.max(3, Math.ceil(Math.max(perWord, unknownPerWord) / 1.5));
}

/** Names of the fields that differ between two configs (empty when equal). */
export function configDiff(a: SynthConfig, b: SynthConfig): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof SynthConfig>;
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}
