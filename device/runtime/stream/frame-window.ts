/**
 * Stage 2: a ring buffer of the last `frames` feature frames (the model's input window).
 * Fixed capacity; `copyTo` writes the window oldest frame first, as the model was trained.
 * The ring holds float frames, or (streaming detector) frames already quantized to the model's
 * input type: 98 x 40 int8 is 3.9 KB where float64 takes 31 KB.
 */
import type { TensorMemory } from "../memory";

export class FrameWindow {
  readonly frames: number;
  readonly coeffs: number;
  private readonly ring: number[];
  /** Index of the slot the next frame goes to (= the oldest frame once full). */
  private next = 0;
  private count = 0;

  private readonly memory: TensorMemory;

  /** `ring`: frames * coeffs elements (float scratch, or a buffer of the quantized type). */
  constructor(frames: number, coeffs: number, memory: TensorMemory, ring: number[]) {
    this.frames = frames;
    this.coeffs = coeffs;
    this.memory = memory;
    this.ring = ring;
  }

  push(frame: number[]): void {
    this.memory.copy(frame, 0, this.ring, this.next * this.coeffs, this.coeffs);
    this.next = this.next + 1 === this.frames ? 0 : this.next + 1;
    if (this.count < this.frames) this.count++;
  }

  /** The ring slot (frame index) the next frame goes to: a writer may put frames there on. */
  nextSlot(): number {
    return this.next;
  }

  /** Takes the `n` frames a writer put at `nextSlot()`, `nextSlot() + 1`, ... as the newest. */
  advance(n: number): void {
    this.next = (this.next + n) % this.frames;
    this.count = this.count + n < this.frames ? this.count + n : this.frames;
  }

  /** Frames still missing from a full window. */
  missing(): number {
    return this.frames - this.count;
  }

  full(): boolean {
    return this.count === this.frames;
  }

  /** Writes the window, oldest frame first, into out[0 .. frames * coeffs). */
  copyTo(out: number[]): void {
    const n = this.frames * this.coeffs;
    const start = this.count === this.frames ? this.next * this.coeffs : 0;
    // Oldest part [start, n) then the newest [0, start): two block copies.
    this.memory.copy(this.ring, start, out, 0, n - start);
    this.memory.copy(this.ring, 0, out, n - start, start);
  }

  /**
   * Writes `n` frames starting at window frame `first` (0 = oldest) into out[0 .. n * coeffs).
   * A `first` below 0 (down to -frames) starts that many frames before the oldest, wrapping to
   * the ring's newest: frames a caller takes for padding (image/stream-runner.ts priming).
   */
  copyFrames(out: number[], first: number, n: number): void {
    const c = this.coeffs;
    const slot = ((this.count === this.frames ? this.next : 0) + first + this.frames) % this.frames;
    // Up to the ring's end, then the rest from its start: at most two block copies.
    const a = slot + n <= this.frames ? n : this.frames - slot;
    this.memory.copy(this.ring, slot * c, out, 0, a * c);
    if (a < n) this.memory.copy(this.ring, 0, out, a * c, (n - a) * c);
  }

  reset(): void {
    this.next = 0;
    this.count = 0;
  }
}
