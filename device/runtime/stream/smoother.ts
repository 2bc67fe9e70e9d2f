/**
 * Stage 4: posterior smoothing by a windowed moving average (seed 002's "WMA" filter): the
 * smoothed score of class c is the mean of its last `window` raw scores. Scores are the model's
 * integer outputs minus their zero point, so sums are exact integers on every engine; the
 * capacity is fixed at construction and the window can change at run time (fleet tuning).
 */
import { zeros } from "../../../shared/portable/arrays";

export class MovingAverage {
  readonly classes: number;
  readonly capacity: number;
  private window: number;
  private readonly history: number[];
  private readonly sums: number[];
  private next = 0;
  private count = 0;

  constructor(classes: number, capacity: number, window: number) {
    this.classes = classes;
    this.capacity = capacity;
    this.history = zeros(classes * capacity);
    this.sums = zeros(classes);
    this.window = 1;
    this.setWindow(window);
  }

  /** Changes the window (1..capacity) and forgets the history, as after a model swap. */
  setWindow(window: number): void {
    if (!(window >= 1 && window <= this.capacity && Math.floor(window) === window)) {
      throw new Error(
        `smoothing window must be a whole number in 1..${this.capacity}, got ${window}`,
      );
    }
    this.window = window;
    this.reset();
  }

  getWindow(): number {
    return this.window;
  }

  reset(): void {
    this.next = 0;
    this.count = 0;
    for (let c = 0; c < this.classes; c++) this.sums[c] = 0;
    // A slot not written since the reset holds 0, so push subtracts it without a test.
    const h = this.history;
    for (let i = 0; i < h.length; i++) h[i] = 0;
  }

  /**
   * Adds one inference's raw scores out[c] - zp (integers), also written to raw[c], and returns
   * the first class c with fires[c] whose window sum * sign is largest (-1 when none fires):
   * the detector's zero-point subtraction, the push and the best keyword in one pass (Espruino
   * re-reads a loop's source on every iteration: one loop over the classes instead of four).
   */
  push(out: number[], zp: number, raw: number[], fires: boolean[], sign: number): number {
    const k = this.classes;
    const base = this.next * k;
    const sums = this.sums;
    const history = this.history;
    let best = -1;
    let bestKey = 0;
    for (let c = 0; c < k; c++) {
      const v = out[c] - zp;
      const i = base + c;
      // Integers below 2^53: exact in any order.
      const s = sums[c] + v - history[i];
      sums[c] = s;
      history[i] = v;
      raw[c] = v;
      if (fires[c] && (best < 0 || s * sign > bestKey)) {
        best = c;
        bestKey = s * sign;
      }
    }
    this.next = this.next + 1 === this.window ? 0 : this.next + 1;
    if (this.count < this.window) this.count++;
    return best;
  }

  /** Sum of class c's scores over the current window (exact integer). */
  sum(c: number): number {
    return this.sums[c];
  }

  /** Scores in the window so far (window once warm). */
  size(): number {
    return this.count;
  }
}
