/**
 * What the false accepts of one operating point fired on: another planted word (the model
 * cannot tell a keyword from other speech: more or harder `_unknown_` training), a keyword (the
 * wrong one, or a second detection of one already hit), or background noise alone.
 */
import { matchEach } from "./match";
import { type BestTrace, replayDetections } from "./replay";
import type { SweepContext } from "./sweep";
import type { PlantedClip } from "./truth";

export interface FalseAcceptCauses {
  total: number;
  /** During a planted non-keyword (within the matching tolerance). */
  other_speech: number;
  /** During a planted keyword: a wrong keyword, or a second detection of one already hit. */
  keywords: number;
  /** Nothing planted within the tolerance: noise alone. */
  noise_only: number;
  /** False accepts by the keyword detected, most first. */
  detected_as: { keyword: string; n: number }[];
  /** The planted words under them (other speech and keywords), most first, at most 10. */
  words: { word: string; n: number }[];
}

function ranked<K extends string>(m: Map<string, number>, key: K, limit = Infinity) {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([k, n]) => ({ [key]: k, n }) as { [P in K]: string } & { n: number });
}

/** The planted clip nearest `t` whose span, widened by `tol`, holds it (null when none). */
function plantedAt(planted: readonly PlantedClip[], t: number, tol: number): PlantedClip | null {
  let best: PlantedClip | null = null;
  let bestDist = Infinity;
  for (const p of planted) {
    if (t < p.startMs - tol || t > p.endMs + tol) continue;
    const dist = t < p.startMs ? p.startMs - t : t > p.endMs ? t - p.endMs : 0;
    if (dist < bestDist) {
      best = p;
      bestDist = dist;
    }
  }
  return best;
}

export function falseAcceptCauses(
  b: BestTrace,
  threshold: number,
  ctx: SweepContext,
  planted: readonly PlantedClip[],
): FalseAcceptCauses {
  const dets = replayDetections(b, ctx.labels, threshold, ctx.suppressionMs);
  const { hitBy } = matchEach(dets, ctx.targets, ctx.toleranceMs);
  const keywords = new Set(ctx.targets.map((t) => t.label));
  const out = { total: 0, other_speech: 0, keywords: 0, noise_only: 0 };
  const detectedAs = new Map<string, number>();
  const words = new Map<string, number>();
  dets.forEach((d, k) => {
    if (hitBy[k] >= 0) return;
    out.total++;
    detectedAs.set(d.keyword, (detectedAs.get(d.keyword) ?? 0) + 1);
    const p = plantedAt(planted, d.t, ctx.toleranceMs);
    if (!p) {
      out.noise_only++;
      return;
    }
    if (keywords.has(p.label)) out.keywords++;
    else out.other_speech++;
    words.set(p.keyword, (words.get(p.keyword) ?? 0) + 1);
  });
  return {
    ...out,
    detected_as: ranked(detectedAs, "keyword"),
    words: ranked(words, "word", 10),
  };
}
