/**
 * How far an accuracy on a few held-out speakers can be trusted. Clips of one speaker are not
 * independent (a speaker the model fails on is failed on all their words), so the interval
 * resamples speakers, not clips: a cluster bootstrap, seeded, so a report is reproducible.
 * Clips without a speaker (silence windows) count as a speaker each.
 */
import { Rng } from "../data/rng";

export interface SpeakerInterval {
  /** Distinct speakers. */
  speakers: number;
  /** Clips without a speaker (silence windows), each resampled as a speaker of its own. */
  clipsWithoutSpeaker: number;
  /** 2.5th and 97.5th percentiles of the mean over speaker resamples. */
  ci95: [number, number];
  /** Standard deviation of the resampled means. */
  stderr: number;
}

/**
 * `values` per clip: whether it was right (an accuracy), or a paired difference such as
 * (A right) - (B right) on the same clip (a gain); the interval is of their mean.
 */
export function speakerInterval(
  values: readonly (boolean | number)[],
  speakers: readonly (string | null | undefined)[],
  resamples = 2000,
  seed = 0,
): SpeakerInterval {
  if (values.length !== speakers.length)
    throw new RangeError("speakerInterval: one speaker per clip");
  const groups = new Map<string, { n: number; sum: number }>();
  let alone = 0;
  values.forEach((c, i) => {
    const s = speakers[i];
    if (s === null || s === undefined) alone++;
    const key = s ?? `\0clip-${i}`;
    const g = groups.get(key) ?? { n: 0, sum: 0 };
    g.n++;
    g.sum += Number(c);
    groups.set(key, g);
  });
  const list = [...groups.values()];
  const k = list.length;
  if (k === 0) return { speakers: 0, clipsWithoutSpeaker: 0, ci95: [0, 0], stderr: 0 };
  const rng = new Rng(seed);
  const acc = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let n = 0;
    let total = 0;
    for (let j = 0; j < k; j++) {
      const g = list[rng.int(k)];
      n += g.n;
      total += g.sum;
    }
    acc[r] = total / n;
  }
  acc.sort();
  let sum = 0;
  for (const a of acc) sum += a;
  const mean = sum / resamples;
  let squares = 0;
  for (const a of acc) squares += (a - mean) ** 2;
  const v = squares / resamples;
  const at = (q: number) => acc[Math.min(resamples - 1, Math.floor(q * resamples))];
  return {
    speakers: k - alone,
    clipsWithoutSpeaker: alone,
    ci95: [at(0.025), at(0.975)],
    stderr: Math.sqrt(v),
  };
}
