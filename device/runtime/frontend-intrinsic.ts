/**
 * The front end's intrinsic: one native call per frame instead of the portable FFT / mel / log /
 * DCT in an interpreter (the largest cost of a stream in plain ES5). A target registers one by
 * handing it to the Detector; it must compute FrontEnd.computeFrame's bits exactly (the parity
 * test checks the input windows it produces).
 */
import type { FrontEndShape } from "../../shared/features/frontend";
import type { InputNorm } from "../../shared/features/input-norm";
import type { QuantizeParams } from "../../shared/kernels/types";

/** Computes the frame of src[srcOffset .. + windowLength) into out[outOffset .. + coeffs). */
export type FrameFunction = (
  src: number[],
  srcOffset: number,
  out: number[],
  outOffset: number,
) => void;

/**
 * Appends src[srcOffset .. + n) to the native front end's own sample window; each time the
 * window fills, computes its frame, writes it quantized (the quantize kernel's result) into dst
 * at frame slot `slot`, then `slot + 1`, ... (wrapping at dst.length / coeffs), and slides the
 * window by one hop. Returns the frames made.
 */
export type QuantizedPush = (
  src: number[],
  srcOffset: number,
  n: number,
  dst: number[],
  slot: number,
) => number;

export interface FrontEndIntrinsic {
  name: string;
  /**
   * Binds the intrinsic to a front end (called once, at init): its configuration and sizes, from
   * which the native side builds the tables.
   */
  bind(frontEnd: FrontEndShape): FrameFunction;
  /**
   * Optional: samples to quantized frames in the native front end, a chunk per call, for a
   * streaming detector whose frames go straight into its quantized input ring (no float frame,
   * quantize call or ring copy per frame). `norm`: the model's input normalization, applied to
   * each frame before `q` with normalizeFrames' operations (shared/features/input-norm.ts).
   * Null when this host cannot.
   */
  bindQuantized?(
    frontEnd: FrontEndShape,
    q: QuantizeParams,
    norm: InputNorm | null,
  ): QuantizedPush | null;
}
