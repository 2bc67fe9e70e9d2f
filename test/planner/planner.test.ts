import { describe, expect, it } from "vitest";
import { syntheticBinaryModel, syntheticInt8Model } from "../../host/compress/synthetic-models";
import { Rng } from "../../host/data/rng";
import { GreedyPlanner } from "../../shared/planner/greedy";
import { planModelArena } from "../../shared/planner/model-arena";

interface Buf {
  size: number;
  first: number;
  last: number;
}

const overlapTime = (a: Buf, b: Buf) => a.first <= b.last && b.first <= a.last;

/** Largest total of simultaneously live buffers: no plan can be smaller. */
function liveLowerBound(bufs: Buf[]): number {
  let best = 0;
  const steps = Math.max(...bufs.map((b) => b.last));
  for (let t = 0; t <= steps; t++) {
    best = Math.max(
      best,
      bufs.filter((b) => b.first <= t && t <= b.last).reduce((s, b) => s + b.size, 0),
    );
  }
  return best;
}

/** Optimal arena by trying every placement order with first-fit: exhaustive for small n. */
function exhaustiveOptimum(bufs: Buf[]): number {
  let best = Number.POSITIVE_INFINITY;
  const perm = (order: number[], rest: number[]) => {
    if (rest.length === 0) {
      const off: number[] = new Array(bufs.length).fill(0);
      const placed: number[] = [];
      let peak = 0;
      for (const i of order) {
        const cands = [
          0,
          ...placed.filter((j) => overlapTime(bufs[i], bufs[j])).map((j) => off[j] + bufs[j].size),
        ].sort((a, b) => a - b);
        for (const c of cands) {
          const ok = placed.every(
            (j) =>
              !overlapTime(bufs[i], bufs[j]) ||
              c + bufs[i].size <= off[j] ||
              off[j] + bufs[j].size <= c,
          );
          if (ok) {
            off[i] = c;
            break;
          }
        }
        placed.push(i);
        peak = Math.max(peak, off[i] + bufs[i].size);
      }
      best = Math.min(best, peak);
      return;
    }
    for (let k = 0; k < rest.length; k++)
      perm([...order, rest[k]], [...rest.slice(0, k), ...rest.slice(k + 1)]);
  };
  perm(
    [],
    bufs.map((_, i) => i),
  );
  return best;
}

function planValid(p: GreedyPlanner, bufs: Buf[]): void {
  for (let i = 0; i < bufs.length; i++) {
    for (let j = i + 1; j < bufs.length; j++) {
      if (!overlapTime(bufs[i], bufs[j]) || bufs[i].size === 0 || bufs[j].size === 0) continue;
      const a = p.getOffset(i);
      const b = p.getOffset(j);
      expect(a + bufs[i].size <= b || b + bufs[j].size <= a, `buffers ${i} and ${j} collide`).toBe(
        true,
      );
    }
  }
}

describe("greedy memory planner", () => {
  it("reuses memory along a chain: peak = the largest adjacent pair", () => {
    const p = new GreedyPlanner();
    const sizes = [100, 400, 50, 300, 20];
    for (let i = 0; i < sizes.length; i++) p.addBuffer(sizes[i], i, i + 1);
    expect(p.getPeak()).toBe(500); // 100 + 400 live together at step 1
    expect(p.count()).toBe(5);
  });

  it("never overlaps live buffers, stays within [lower bound, 2x optimum] on random graphs", () => {
    const rng = new Rng(8);
    let sumGreedy = 0;
    let sumOpt = 0;
    for (let trial = 0; trial < 60; trial++) {
      const n = 2 + rng.int(5);
      const bufs: Buf[] = Array.from({ length: n }, () => {
        const first = rng.int(6);
        return { size: 1 + rng.int(100), first, last: first + rng.int(4) };
      });
      const p = new GreedyPlanner();
      for (const b of bufs) p.addBuffer(b.size, b.first, b.last);
      planValid(p, bufs);
      const opt = exhaustiveOptimum(bufs);
      expect(p.getPeak()).toBeGreaterThanOrEqual(Math.max(liveLowerBound(bufs), opt));
      expect(p.getPeak()).toBeLessThanOrEqual(2 * opt);
      sumGreedy += p.getPeak();
      sumOpt += opt;
    }
    // Greedy-by-size is near optimal on average on graphs this size.
    expect(sumGreedy / sumOpt).toBeLessThan(1.15);
  });

  it("rejects bad buffers", () => {
    const p = new GreedyPlanner();
    expect(() => p.addBuffer(-1, 0, 0)).toThrow();
    expect(() => p.addBuffer(1, 3, 2)).toThrow();
    expect(() => p.getOffset(0)).toThrow();
  });

  it("plans model arenas below the sum of activations and above the largest op's working set", () => {
    for (const m of [syntheticInt8Model(), syntheticBinaryModel()]) {
      const plan = planModelArena(m);
      const total = plan.sizes.reduce((a, b) => a + b, 0);
      expect(plan.peak).toBeLessThan(total);
      for (const op of m.ops) {
        const work = [...op.inputs, ...op.outputs]
          .filter((t) => m.tensors[t].data === null)
          .reduce((s, t) => s + plan.sizes[t], 0);
        expect(plan.peak).toBeGreaterThanOrEqual(work);
      }
    }
  });
});
