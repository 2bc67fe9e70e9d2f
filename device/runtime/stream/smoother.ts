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
  }

  /** Adds one inference's raw scores (integers). */
  push(scores: number[]): void {
    const k = this.classes;
    const base = this.next * k;
    const full = this.count === this.window;
    // Locals, not member reads per class: each `this.x` is a property lookup on device engines.
    const sums = this.sums;
    const history = this.history;
    if (full) for (let c = 0; c < k; c++) sums[c] -= history[base + c];
    for (let c = 0; c < k; c++) {
      history[base + c] = scores[c];
      sums[c] += scores[c];
    }
    this.next = this.next + 1 === this.window ? 0 : this.next + 1;
    if (!full) this.count++;
  }

  /** Sum of class c's scores over the current window (exact integer). */
  sum(c: number): number {
    return this.sums[c];
  }

  /** Every class's sum (`sum(c)` for all c at once); read-only, updated in place by `push`. */
  allSums(): readonly number[] {
    return this.sums;
  }

  /** Scores in the window so far (window once warm). */
  size(): number {
    return this.count;
  }
}
