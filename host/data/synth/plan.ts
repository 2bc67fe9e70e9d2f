import { Rng } from "../rng";
import type { Speaker } from "./speakers";

/** One clip to write: `<word>/<speaker>_nohash_<n>.wav`. */
export interface ClipItem {
  word: string;
  speaker: Speaker;
  /** The speaker's n-th take of this word. */
  n: number;
  /** Path relative to the corpus root, with forward slashes. */
  rel: string;
  /** What the speaker says when it is not the folder name (`--words label=text`). */
  text?: string;
}

export interface WordQuota {
  word: string;
  clips: number;
}

/** How many takes a speaker gives of one word: mostly one, sometimes a few (like the real set). */
function drawRepeats(rng: Rng, max: number): number {
  const u = rng.next();
  const r = u < 0.55 ? 1 : u < 0.85 ? 2 : u < 0.95 ? 3 : 4;
  return Math.min(r, max);
}

/**
 * Assigns each word's clips to speakers: speakers are visited in a per-word shuffled order,
 * each giving 1..maxRepeats takes, cycling through the pool again if it runs out.
 * Deterministic in (seed, quotas, speakers, maxRepeats).
 */
export function planClips(
  seed: number,
  quotas: readonly WordQuota[],
  speakers: readonly Speaker[],
  maxRepeats: number,
): ClipItem[] {
  if (speakers.length === 0) throw new Error("planClips: no speakers");
  const items: ClipItem[] = [];
  for (const { word, clips } of quotas) {
    const rng = new Rng(seed).fork(`plan:${word}`);
    const order = rng.shuffle([...speakers]);
    const takes = new Map<string, number>();
    let remaining = clips;
    for (let i = 0; remaining > 0; i++) {
      const speaker = order[i % order.length];
      const r = Math.min(drawRepeats(rng, maxRepeats), remaining);
      for (let j = 0; j < r; j++) {
        const n = takes.get(speaker.id) ?? 0;
        takes.set(speaker.id, n + 1);
        items.push({ word, speaker, n, rel: `${word}/${speaker.id}_nohash_${n}.wav` });
      }
      remaining -= r;
    }
  }
  return items;
}
