/**
 * Stage 2: a ring buffer of the last `frames` feature frames (the model's input window).
 * Fixed capacity; `copyTo` writes the window oldest frame first, as the model was trained.
 */
import { zeros } from "../../../shared/portable/arrays";

export class FrameWindow {
  readonly frames: number;
  readonly coeffs: number;
  private readonly ring: number[];
  /** Index of the slot the next frame goes to (= the oldest frame once full). */
  private next = 0;
  private count = 0;

  constructor(frames: number, coeffs: number) {
    this.frames = frames;
    this.coeffs = coeffs;
    this.ring = zeros(frames * coeffs);
  }

  push(frame: number[]): void {
    const c = this.coeffs;
    const base = this.next * c;
    for (let j = 0; j < c; j++) this.ring[base + j] = frame[j];
    this.next = this.next + 1 === this.frames ? 0 : this.next + 1;
    if (this.count < this.frames) this.count++;
  }

  full(): boolean {
    return this.count === this.frames;
  }

  /** Writes the window, oldest frame first, into out[0 .. frames * coeffs). */
  copyTo(out: number[]): void {
    const c = this.coeffs;
    const n = this.frames * c;
    const start = this.count === this.frames ? this.next * c : 0;
    for (let i = 0; i < n; i++) {
      const k = start + i;
      out[i] = this.ring[k < n ? k : k - n];
    }
  }

  reset(): void {
    this.next = 0;
    this.count = 0;
  }
}
