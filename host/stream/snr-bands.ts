/**
 * Hits and misses of one operating point split by the SNR each keyword was planted at: whether
 * a model's misses are the noisy plants (train with harder noise) or spread across all of them
 * (it does not know the speakers).
 */
import { hitTargets } from "./match";
import { type BestTrace, replayDetections } from "./replay";
import type { SweepContext } from "./sweep";

/** Band edges, dB: (-inf, 0), [0, 5), [5, 10), [10, inf). */
export const SNR_EDGES = [0, 5, 10] as const;

export interface SnrBand {
  /** The band, e.g. "0..5" (lower edge included), "< 0", ">= 10". */
  snr_db: string;
  targets: number;
  hits: number;
  /** Misses / targets in the band (0 when it holds none). */
  frr: number;
}

function bandName(i: number): string {
  if (i === 0) return `< ${SNR_EDGES[0]}`;
  if (i === SNR_EDGES.length) return `>= ${SNR_EDGES[SNR_EDGES.length - 1]}`;
  return `${SNR_EDGES[i - 1]}..${SNR_EDGES[i]}`;
}

/** The band index of an SNR; a clip without one (silent, never heard) goes to the lowest. */
export function snrBand(snrDb: number | null | undefined): number {
  if (snrDb === null || snrDb === undefined) return 0;
  let i = 0;
  while (i < SNR_EDGES.length && snrDb >= SNR_EDGES[i]) i++;
  return i;
}

/** Bands that hold at least one target, lowest first. */
export function bySnr(b: BestTrace, threshold: number, ctx: SweepContext): SnrBand[] {
  const dets = replayDetections(b, ctx.labels, threshold, ctx.suppressionMs);
  const hit = hitTargets(dets, ctx.targets, ctx.toleranceMs);
  const n = SNR_EDGES.length + 1;
  const targets = new Array<number>(n).fill(0);
  const hits = new Array<number>(n).fill(0);
  ctx.targets.forEach((t, i) => {
    const k = snrBand(t.snrDb);
    targets[k]++;
    hits[k] += hit[i];
  });
  const out: SnrBand[] = [];
  for (let k = 0; k < n; k++)
    if (targets[k] > 0)
      out.push({
        snr_db: bandName(k),
        targets: targets[k],
        hits: hits[k],
        frr: (targets[k] - hits[k]) / targets[k],
      });
  return out;
}
