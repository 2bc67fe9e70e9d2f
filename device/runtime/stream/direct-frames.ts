/**
 * Direct mode of the streaming detector: a native front end that quantizes
 * (FrontEndIntrinsic.bindQuantized) turns a whole chunk of samples into frames in one call,
 * straight into the model's quantized input ring, in a sample window of its own; the runtime
 * keeps only counts. Per frame that saves the float frame, the quantize call, the ring copy and
 * the window copies, and on an interpreter the calls and property reads around each (~45K
 * instructions a frame on JerryScript). Only bundles for hosts with natives carry it: the
 * JS-kernel device bundles swap in targets/es5/no-direct/direct-frames.ts (tools/device-profiles.ts).
 */
import type { FrontEndShape } from "../../../shared/features/frontend";
import type { InputNorm } from "../../../shared/features/input-norm";
import type { QuantizeParams } from "../../../shared/kernels/types";
import type { FrontEndIntrinsic, QuantizedPush } from "../frontend-intrinsic";

export class DirectFrames {
  /** Frames the last `push` made. */
  made = 0;
  private readonly native: QuantizedPush;
  private readonly ring: number[];
  private readonly win: number;
  private readonly hop: number;
  private readonly rate: number;
  /** Samples in the native window: it slides by a hop as soon as it makes a frame. */
  private fill = 0;
  private total = 0;
  /** Samples pushed when the last frame completed. */
  private frameTotal = 0;

  constructor(native: QuantizedPush, ring: number[], frontEnd: FrontEndShape, rate: number) {
    this.native = native;
    this.ring = ring;
    this.win = frontEnd.windowLength;
    this.hop = frontEnd.hopLength;
    this.rate = rate;
  }

  /**
   * Consumes samples src[off ..) until the `k`-th frame is made or `n` samples run out, in one
   * native call; the frames go into the ring at frame slots `slot`, `slot + 1`, ... Returns the
   * samples consumed; `made` is the frames made.
   */
  push(src: number[], off: number, n: number, slot: number, k: number): number {
    const win = this.win;
    const hop = this.hop;
    // Samples that complete k more frames: the window's first fill, then a hop each.
    const need = win - this.fill + (k - 1) * hop;
    const take = n < need ? n : need;
    const made = this.native(src, off, take, this.ring, slot);
    const fill = this.fill + take - made * hop;
    this.fill = fill;
    this.total += take;
    this.made = made;
    // The last frame ended where the window last held `win` samples (then slid to win - hop).
    if (made > 0) this.frameTotal = this.total - (fill - (win - hop));
    return take;
  }

  /** End time (ms) of the last frame made. */
  frameTimeMs(): number {
    return Math.floor((this.frameTotal * 1000) / this.rate);
  }
}

/**
 * The direct mode for an MFCC / LFBE front end whose frames the detector normalizes by `norm`
 * (when not null) and quantizes by `q` into `ring`, when the intrinsic offers it; else null.
 */
export function directFrames(
  intrinsic: FrontEndIntrinsic | null,
  frontEnd: FrontEndShape,
  norm: InputNorm | null,
  q: QuantizeParams,
  ring: number[],
  rate: number,
): DirectFrames | null {
  if (intrinsic === null || intrinsic.bindQuantized === undefined) return null;
  const push = intrinsic.bindQuantized(frontEnd, q, norm);
  return push === null ? null : new DirectFrames(push, ring, frontEnd, rate);
}
