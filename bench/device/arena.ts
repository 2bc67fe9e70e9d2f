/**
 * Arena planning quality: the greedy-by-size planner (shared/planner) against the optimum found
 * by exhaustive search on small graphs. The optimum: every packing can be compacted by dropping
 * buffers, in offset order, to their lowest feasible offset, so trying every placement order
 * with lowest-fit placement finds it (n! orders; n <= 8).
 */
import { Rng } from "../../host/data/rng";
import { GreedyPlanner } from "../../shared/planner/greedy";

export interface Buffer {
  size: number;
  first: number;
  last: number;
}

function overlaps(a: Buffer, b: Buffer): boolean {
  return a.first <= b.last && b.first <= a.last;
}

function lowestFit(b: Buffer, placed: { buf: Buffer; off: number }[]): number {
  const cands = [
    0,
    ...placed.filter((p) => overlaps(p.buf, b)).map((p) => p.off + p.buf.size),
  ].sort((x, y) => x - y);
  for (const c of cands) {
    if (placed.every((p) => !overlaps(p.buf, b) || c + b.size <= p.off || p.off + p.buf.size <= c))
      return c;
  }
  return cands[cands.length - 1];
}

export function optimalPeak(bufs: Buffer[]): number {
  let best = Number.POSITIVE_INFINITY;
  const used = bufs.map(() => false);
  const placed: { buf: Buffer; off: number }[] = [];
  const rec = (peak: number) => {
    if (peak >= best) return;
    if (placed.length === bufs.length) {
      best = peak;
      return;
    }
    for (let i = 0; i < bufs.length; i++) {
      if (used[i]) continue;
      const off = lowestFit(bufs[i], placed);
      used[i] = true;
      placed.push({ buf: bufs[i], off });
      rec(Math.max(peak, off + bufs[i].size));
      placed.pop();
      used[i] = false;
    }
  };
  rec(0);
  return best;
}

export function greedyPeak(bufs: Buffer[]): number {
  const p = new GreedyPlanner();
  for (const b of bufs) p.addBuffer(b.size, b.first, b.last);
  return p.getPeak();
}

/** A random op chain with skip connections: buffer k is made by op k and read 1-3 ops later. */
export function randomGraph(rng: Rng, n: number): Buffer[] {
  return Array.from({ length: n }, (_, k) => ({
    size: 16 * (1 + rng.int(64)),
    first: k,
    last: k + 1 + rng.int(rng.next() < 0.3 ? 3 : 1),
  }));
}

export function arenaStudy(
  graphs: number,
  n: number,
): { mean: number; worst: number; optimalShare: number } {
  const rng = new Rng(2024);
  let sum = 0;
  let worst = 1;
  let optimal = 0;
  for (let i = 0; i < graphs; i++) {
    const g = randomGraph(rng, n);
    const ratio = greedyPeak(g) / optimalPeak(g);
    sum += ratio;
    worst = Math.max(worst, ratio);
    if (ratio === 1) optimal++;
  }
  return { mean: sum / graphs, worst, optimalShare: optimal / graphs };
}
