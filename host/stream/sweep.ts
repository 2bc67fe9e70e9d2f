/**
 * Operating points over thresholds, from one recorded run: each point is the replayed runtime
 * (replay.ts) at that threshold, scored by the matching rule (match.ts). Candidate thresholds
 * are the smoothed scores that occur: between two of them nothing changes.
 */
import { matchDetections, type OperatingPoint, operatingPoint, type Target } from "./match";
import { type BestTrace, replayDetections } from "./replay";

export interface SweepContext {
  labels: string[];
  targets: Target[];
  durationMs: number;
  suppressionMs: number;
  toleranceMs: number;
}

/** The distinct scores of a trace that can fire (best label exists), ascending. */
export function candidateThresholds(b: BestTrace): number[] {
  const s: number[] = [];
  for (let i = 0; i < b.score.length; i++) if (b.best[i] >= 0) s.push(b.score[i]);
  s.sort((x, y) => x - y);
  return s.filter((v, i) => i === 0 || v !== s[i - 1]);
}

/** At most `n` of `sorted`, evenly spaced by rank, always with the first and last. */
export function spread(sorted: number[], n: number): number[] {
  if (sorted.length <= n) return sorted.slice();
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(sorted[Math.round((i * (sorted.length - 1)) / (n - 1))]);
  return out.filter((v, i) => i === 0 || v !== out[i - 1]);
}

export function pointAt(b: BestTrace, threshold: number, ctx: SweepContext): OperatingPoint {
  const dets = replayDetections(b, ctx.labels, threshold, ctx.suppressionMs);
  return operatingPoint(
    threshold,
    matchDetections(dets, ctx.targets, ctx.toleranceMs),
    ctx.durationMs,
  );
}

/**
 * At most `n` of `sorted`: half evenly spaced by rank, half at geometrically spaced ranks from
 * the top. The low false-accept end of a DET curve lives in the few highest scores, which an
 * even spread would cover with one point.
 */
export function spreadTopHeavy(sorted: number[], n: number): number[] {
  if (sorted.length <= n) return sorted.slice();
  const even = spread(sorted, Math.max(2, Math.ceil(n / 2)));
  const top: number[] = [];
  const m = n - even.length;
  for (let i = 0; i < m; i++) {
    const fromTop = Math.round(sorted.length ** (i / Math.max(1, m - 1))) - 1;
    top.push(sorted[sorted.length - 1 - fromTop]);
  }
  const all = [...even, ...top].sort((a, b) => a - b);
  return all.filter((v, i) => i === 0 || v !== all[i - 1]);
}

/** Points at up to `maxPoints` thresholds among the scores that occur (spreadTopHeavy), ascending. */
export function sweep(b: BestTrace, ctx: SweepContext, maxPoints: number): OperatingPoint[] {
  return spreadTopHeavy(candidateThresholds(b), maxPoints).map((t) => pointAt(b, t, ctx));
}

/**
 * The lowest threshold whose point has at most `targetFaPerHour` false accepts per hour, or null.
 * Searched on a rank grid of the candidates, then every candidate between the first grid point
 * that meets the target and the grid point below it. False accepts fall as the threshold rises
 * except where suppression moves a detection (rare, and never by more than the one it moves),
 * so this is the lowest one wherever they fall monotonically.
 */
export function lowestMeeting(
  b: BestTrace,
  ctx: SweepContext,
  targetFaPerHour: number,
  grid = 256,
): OperatingPoint | null {
  const all = candidateThresholds(b);
  if (all.length === 0) return null;
  const meets = (t: number) => {
    const p = pointAt(b, t, ctx);
    return p.fa_per_hour <= targetFaPerHour ? p : null;
  };
  const coarse = spread(all, grid);
  let g = -1;
  for (let i = 0; i < coarse.length && g < 0; i++) if (meets(coarse[i])) g = i;
  if (g < 0) return null;
  const below = g === 0 ? Number.NEGATIVE_INFINITY : coarse[g - 1];
  for (const t of all) {
    if (t <= below || t > coarse[g]) continue;
    const p = meets(t);
    if (p) return p;
  }
  return meets(coarse[g]);
}
