/**
 * The front end's intrinsic: one native call per frame instead of the portable FFT / mel / log /
 * DCT in an interpreter (the largest cost of a stream in plain ES5). A target registers one by
 * handing it to the Detector; it must compute FrontEnd.computeFrame's bits exactly (the parity
 * test checks the input windows it produces).
 */
import type { FrontEnd } from "../../shared/features/frontend";

/** Computes the frame of src[srcOffset .. + windowLength) into out[outOffset .. + coeffs). */
export type FrameFunction = (
  src: number[],
  srcOffset: number,
  out: number[],
  outOffset: number,
) => void;

export interface FrontEndIntrinsic {
  name: string;
  /** Binds the intrinsic to a front end's tables (called once, at init). */
  bind(frontEnd: FrontEnd): FrameFunction;
}
