/**
 * Stage 1: audio samples in, feature frames out.
 *
 * Holds the last `windowLength` samples in a fixed buffer; every `hopLength` new samples it runs
 * the shared front end (shared/features FrontEnd.computeFrame, the same code the host trains
 * with) on the window. Timestamps: a frame's time is the ms of its last sample's end, counted
 * from the first sample pushed (samples / sampleRate), so stages downstream need no clock.
 */
import type { FrontEndConfig } from "../../../shared/features/config";
import { FrontEnd } from "../../../shared/features/frontend";
import type { FrameFunction, FrontEndIntrinsic } from "../frontend-intrinsic";
import type { TensorMemory } from "../memory";

export class FeatureStage {
  readonly frontEnd: FrontEnd;
  /** The latest frame (coeffs values); valid while `ready()`. */
  readonly frame: number[];
  private readonly buf: number[];
  private readonly win: number;
  private readonly hop: number;
  private readonly rate: number;
  /** Samples in `buf` (fills up to `win` once, then stays there). */
  private fill = 0;
  private total = 0;
  private hasFrame = false;
  private frameEnd = 0;

  /** The native frame computation when a target registered one, else null (portable). */
  private readonly intrinsic: FrameFunction | null;
  private readonly memory: TensorMemory;

  constructor(config: FrontEndConfig, memory: TensorMemory, intrinsic: FrontEndIntrinsic | null) {
    // The front end's tables in this engine's scratch form (typed arrays where it has them).
    this.frontEnd = new FrontEnd(config, (n: number) => memory.scratch(n, true));
    this.memory = memory;
    this.win = this.frontEnd.windowLength;
    this.hop = this.frontEnd.hopLength;
    this.rate = config.sampleRate;
    this.buf = memory.scratch(this.win, true);
    this.frame = memory.scratch(this.frontEnd.coeffs, true);
    this.intrinsic = intrinsic === null ? null : intrinsic.bind(this.frontEnd);
  }

  /**
   * Consumes samples (floats in [-1, 1]) from src[off .. off + n) until a frame completes or the
   * input runs out; returns how many it took. Call again with the rest after `take()`.
   */
  push(src: number[], off: number, n: number): number {
    const buf = this.buf;
    const win = this.win;
    let used = 0;
    while (used < n && !this.hasFrame) {
      if (this.fill === win) {
        // Slide the window by one hop (copy win - hop samples; cheaper than a modular FFT input).
        this.memory.copy(buf, this.hop, buf, 0, win - this.hop);
        this.fill = win - this.hop;
      }
      const room = win - this.fill;
      let take = n - used;
      if (take > room) take = room;
      this.memory.copy(src, off + used, buf, this.fill, take);
      this.fill += take;
      used += take;
      this.total += take;
      if (this.fill === win) {
        if (this.intrinsic !== null) this.intrinsic(buf, 0, this.frame, 0);
        else this.frontEnd.computeFrame(buf, 0, this.frame, 0);
        this.hasFrame = true;
        this.frameEnd = Math.floor((this.total * 1000) / this.rate);
      }
    }
    return used;
  }

  ready(): boolean {
    return this.hasFrame;
  }

  /** End time (ms) of the frame in `frame`. */
  frameTimeMs(): number {
    return this.frameEnd;
  }

  /** Marks the frame consumed. */
  take(): void {
    this.hasFrame = false;
  }

  /** Samples pushed so far. */
  samples(): number {
    return this.total;
  }
}
