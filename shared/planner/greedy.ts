import type { MemoryPlanner } from "./types";

/**
 * Greedy-by-size planner (TFLM's GreedyMemoryPlanner idea): buffers are placed largest first;
 * each goes at the lowest offset where it does not overlap, in bytes and lifetime, any buffer
 * already placed. Ties keep registration order, so the plan is deterministic on every engine.
 */
export class GreedyPlanner implements MemoryPlanner {
  private sizes: number[] = [];
  private firsts: number[] = [];
  private lasts: number[] = [];
  private offsets: number[] = [];
  private planned = false;

  addBuffer(size: number, firstUse: number, lastUse: number): number {
    if (size < 0 || lastUse < firstUse) {
      throw new Error(`planner: bad buffer (size ${size}, uses ${firstUse}..${lastUse})`);
    }
    this.sizes.push(size);
    this.firsts.push(firstUse);
    this.lasts.push(lastUse);
    this.planned = false;
    return this.sizes.length - 1;
  }

  count(): number {
    return this.sizes.length;
  }

  getOffset(id: number): number {
    if (id < 0 || id >= this.sizes.length) throw new Error(`planner: no buffer ${id}`);
    this.plan();
    return this.offsets[id];
  }

  getPeak(): number {
    this.plan();
    let peak = 0;
    for (let i = 0; i < this.sizes.length; i++) {
      const end = this.offsets[i] + this.sizes[i];
      if (end > peak) peak = end;
    }
    return peak;
  }

  private plan(): void {
    if (this.planned) return;
    const n = this.sizes.length;
    // Order: size descending, then id ascending (insertion sort: stable, no comparator quirks).
    const order: number[] = [];
    for (let i = 0; i < n; i++) {
      let j = order.length;
      order.push(i);
      while (j > 0 && this.sizes[order[j - 1]] < this.sizes[i]) {
        order[j] = order[j - 1];
        j--;
      }
      order[j] = i;
    }
    const placed: number[] = [];
    this.offsets = [];
    for (let i = 0; i < n; i++) this.offsets.push(0);
    for (let k = 0; k < n; k++) {
      const id = order[k];
      // Candidate offsets: 0 and the end of every placed, lifetime-overlapping buffer; take the
      // lowest candidate that fits against all of them.
      let best = -1;
      for (let c = -1; c < placed.length; c++) {
        let cand = 0;
        if (c >= 0) {
          const o = placed[c];
          if (!this.overlapsInTime(o, id)) continue;
          cand = this.offsets[o] + this.sizes[o];
        }
        if (best >= 0 && cand >= best) continue;
        if (this.fits(id, cand, placed)) best = cand;
      }
      this.offsets[id] = best < 0 ? 0 : best;
      placed.push(id);
    }
    this.planned = true;
  }

  private overlapsInTime(a: number, b: number): boolean {
    return this.firsts[a] <= this.lasts[b] && this.firsts[b] <= this.lasts[a];
  }

  private fits(id: number, offset: number, placed: number[]): boolean {
    const end = offset + this.sizes[id];
    for (let k = 0; k < placed.length; k++) {
      const o = placed[k];
      if (!this.overlapsInTime(o, id)) continue;
      const oStart = this.offsets[o];
      const oEnd = oStart + this.sizes[o];
      if (offset < oEnd && oStart < end && this.sizes[o] > 0 && this.sizes[id] > 0) return false;
    }
    return true;
  }
}
