/**
 * Scoring detections against planted keywords (the matching rule, host/stream/README.md):
 * a detection of keyword k at time t is a hit when a planted k with
 * startMs - tolerance <= t <= endMs + tolerance has not been hit yet (the earliest such plant
 * takes it); each plant counts once; every other detection — a second one on the same plant,
 * the wrong keyword, one on other speech or noise — is a false accept.
 */

/** A planted keyword the model should detect. */
export interface Target {
  label: string;
  startMs: number;
  endMs: number;
  /** SNR the clip was mixed at (the truth's snrDb; null for a silent clip); reports only. */
  snrDb?: number | null;
}

export interface DetectedAt {
  t: number;
  keyword: string;
}

export interface MatchCounts {
  targets: number;
  hits: number;
  misses: number;
  falseAccepts: number;
  detections: number;
}

/** What `stream eval` prints per threshold; snake case as seed 002's DET axes are named. */
export interface OperatingPoint {
  threshold: number;
  /** Missed targets / targets (0 when there are none). */
  frr: number;
  /** False accepts per hour of stream. */
  fa_per_hour: number;
  /** False accepts / detections (0 when nothing was detected). */
  fdr: number;
  hits: number;
  misses: number;
  false_accepts: number;
  detections: number;
}

export const DEFAULT_TOLERANCE_MS = 500;

/**
 * Which targets the detections hit (1 per hit target, in the targets' order). Detections in
 * time order; targets in any order.
 */
export function hitTargets(
  detections: readonly DetectedAt[],
  targets: readonly Target[],
  toleranceMs = DEFAULT_TOLERANCE_MS,
): Uint8Array {
  return matchEach(detections, targets, toleranceMs).used;
}

/**
 * The matching rule per detection: `used` as hitTargets gives it, and for each detection the
 * index of the target it hit, or -1 for a false accept.
 */
export function matchEach(
  detections: readonly DetectedAt[],
  targets: readonly Target[],
  toleranceMs = DEFAULT_TOLERANCE_MS,
): { used: Uint8Array; hitBy: Int32Array } {
  const order = targets.map((_, i) => i).sort((a, b) => targets[a].startMs - targets[b].startMs);
  const used = new Uint8Array(targets.length);
  const hitBy = new Int32Array(detections.length).fill(-1);
  // Plants before `lo` end (with tolerance) before the current detection, so before every later
  // one: detections come in time order.
  let lo = 0;
  detections.forEach((d, k) => {
    while (lo < order.length && targets[order[lo]].endMs + toleranceMs < d.t) lo++;
    for (let j = lo; j < order.length; j++) {
      const p = targets[order[j]];
      if (p.startMs - toleranceMs > d.t) break;
      if (used[order[j]] || p.label !== d.keyword || p.endMs + toleranceMs < d.t) continue;
      used[order[j]] = 1;
      hitBy[k] = order[j];
      break;
    }
  });
  return { used, hitBy };
}

/** Counts hits, misses and false accepts. Detections in time order; targets in any order. */
export function matchDetections(
  detections: readonly DetectedAt[],
  targets: readonly Target[],
  toleranceMs = DEFAULT_TOLERANCE_MS,
): MatchCounts {
  let hits = 0;
  for (const h of hitTargets(detections, targets, toleranceMs)) hits += h;
  return {
    targets: targets.length,
    hits,
    misses: targets.length - hits,
    falseAccepts: detections.length - hits,
    detections: detections.length,
  };
}

export function operatingPoint(
  threshold: number,
  c: MatchCounts,
  durationMs: number,
): OperatingPoint {
  return {
    threshold,
    frr: c.targets > 0 ? c.misses / c.targets : 0,
    fa_per_hour: c.falseAccepts / (durationMs / 3_600_000),
    fdr: c.detections > 0 ? c.falseAccepts / c.detections : 0,
    hits: c.hits,
    misses: c.misses,
    false_accepts: c.falseAccepts,
    detections: c.detections,
  };
}

/**
 * The DET curve read at a false-accept budget: the lowest FRR among the points with at most
 * `faPerHour` false accepts per hour (null when no point meets it).
 */
export function frrAtFaPerHour(
  points: readonly OperatingPoint[],
  faPerHour: number,
): number | null {
  let best: number | null = null;
  for (const p of points)
    if (p.fa_per_hour <= faPerHour && (best === null || p.frr < best)) best = p.frr;
  return best;
}
