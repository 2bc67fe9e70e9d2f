/**
 * Stage 1: audio samples in, feature frames out.
 *
 * Holds the last `windowLength` samples in a fixed buffer; every `hopLength` new samples it runs
 * the shared front end on the window: shared/features FrontEnd.computeFrame (MFCC / LFBE, the
 * same code the host trains with) or, for imported TFLite Micro models, TflmMicroFrontEnd
 * (shared/features/tflm-micro: int8 features, its noise estimate carried from frame to frame as
 * in TFLM; always the portable code, native engines included). Each device bundle carries one
 * of the two (front-end-mfcc.ts, front-end-tflm-micro.ts; device/tools/device-profiles.ts).
 * Timestamps: a frame's time is the ms of its last sample's end, counted from the first sample
 * pushed (samples / sampleRate), so stages downstream need no clock.
 */

import type { FrontEndShape } from "../../../shared/features/frontend";
// One module per front end: each device bundle swaps out the one it does not carry.
import { newMfccFrontEnd } from "../front-end-mfcc";
import { newTflmMicroFrontEnd } from "../front-end-tflm-micro";
import type { DeviceFrontEndConfig } from "../frontend-config";
import type { FrameFunction, FrontEndIntrinsic } from "../frontend-intrinsic";
import type { TensorMemory } from "../memory";

/** What the stage needs of a front end: window and hop in samples, and one frame's features. */
export interface FrameComputer {
  readonly windowLength: number;
  readonly hopLength: number;
  readonly coeffs: number;
  computeFrame(src: number[], srcOffset: number, out: number[], outOffset: number): void;
}

export class FeatureStage {
  readonly frontEnd: FrameComputer;
  /** The MFCC / LFBE front end's configuration and sizes (null for tflm-micro): what a native front end binds. */
  readonly mfcc: FrontEndShape | null;
  /** Frames are int8 values already quantized for the model's input (tflm-micro), not reals. */
  readonly int8Frames: boolean;
  /** Who computes frames: the intrinsic's name, or "portable". */
  readonly implName: string;
  /** The latest frame (coeffs values); valid while `ready()`. */
  frame: number[];
  private buf: number[];
  private readonly win: number;
  private readonly hop: number;
  private readonly rate: number;
  /** Samples in `buf` (fills up to `win` once, then stays there). */
  private fill = 0;
  private total = 0;
  private hasFrame = false;
  /** Samples pushed when the frame in `frame` completed (its time, computed when asked). */
  private frameTotal = 0;

  /** The native frame computation when a target registered one, else null (portable). */
  private readonly intrinsic: FrameFunction | null;
  private readonly memory: TensorMemory;

  constructor(
    config: DeviceFrontEndConfig,
    memory: TensorMemory,
    intrinsic: FrontEndIntrinsic | null,
  ) {
    // The front end's tables in this engine's scratch form (typed arrays where it has them).
    let bound: FrameFunction | null = null;
    const scratch = (n: number, wide: boolean) => memory.scratch(n, wide);
    if (config.kind === "tflm-micro") {
      this.frontEnd = newTflmMicroFrontEnd(config, scratch);
      this.mfcc = null;
    } else {
      const fe = newMfccFrontEnd(config, scratch);
      this.frontEnd = fe;
      this.mfcc = fe;
      bound = intrinsic === null ? null : intrinsic.bind(fe);
    }
    this.int8Frames = config.kind === "tflm-micro";
    this.intrinsic = bound;
    this.implName = bound === null || intrinsic === null ? "portable" : intrinsic.name;
    this.memory = memory;
    this.win = this.frontEnd.windowLength;
    this.hop = this.frontEnd.hopLength;
    this.rate = config.sampleRate;
    this.buf = memory.scratch(this.win, true);
    this.frame = memory.scratch(this.frontEnd.coeffs, true);
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
        this.frameTotal = this.total;
      }
    }
    return used;
  }

  /**
   * Frees the sample window and frame: the detector's direct mode (stream/direct-frames.ts) has
   * the native front end keep its own and never pushes here. Called at init, so the arena and
   * rings allocated next reuse the bytes (a window is ~4 KB of a 256 KB JerryScript heap).
   */
  dropWindow(): void {
    this.buf = [];
    this.frame = [];
  }

  ready(): boolean {
    return this.hasFrame;
  }

  /** End time (ms) of the frame in `frame`. */
  frameTimeMs(): number {
    return Math.floor((this.frameTotal * 1000) / this.rate);
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
