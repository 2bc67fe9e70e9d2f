/**
 * Host features through the device's C front end (the native addon's frontEndCreate /
 * frontEndExtract over device/targets/c-kernels/frontend.c): the bits of FrontEnd.extract, for a
 * fraction of the CPU. The trainer's batch workers compute every augmented clip's features, so
 * this is part of what bounds an epoch (issue 13). Without the addon, callers keep the TS front
 * end.
 */
import type { FrontEnd } from "../../shared/features/frontend";
import { type NativeFrontEndFunctions, nativeAddon } from "./load";

/**
 * The FrontEnd fields the addon copies, some of them private to the TS classes: the addon takes
 * the tables as they are (the trainer warps the mel filterbank), where the device hosts build
 * theirs from the configuration (device/targets/c-kernels/frontend-tables.c).
 */
interface FrontEndTables {
  fft: { rev: number[]; cosM: number[]; sinM: number[]; cosN: number[]; sinN: number[] };
  dct: number[];
}

export class NativeFeatures {
  readonly frames: (nSamples: number) => number;
  private readonly handle: object;

  private constructor(
    private readonly addon: NativeFrontEndFunctions,
    private readonly frontEnd: FrontEnd,
  ) {
    const fe = frontEnd;
    const t = fe as unknown as FrontEndTables;
    const cfg = fe.config;
    const lfbe = cfg.kind === "lfbe";
    this.handle = addon.frontEndCreate(
      Int32Array.from([
        fe.windowLength,
        fe.hopLength,
        fe.coeffs,
        fe.mel.nMels,
        cfg.fftSize,
        lfbe ? 1 : 0,
      ]),
      cfg.logFloor,
      Float64Array.from(fe.window),
      Int32Array.from(t.fft.rev),
      Float64Array.from(t.fft.cosM),
      Float64Array.from(t.fft.sinM),
      Float64Array.from(t.fft.cosN),
      Float64Array.from(t.fft.sinN),
      Int32Array.from(fe.mel.start),
      Int32Array.from(fe.mel.count),
      Int32Array.from(fe.mel.offset),
      Float64Array.from(fe.mel.weights),
      Float64Array.from(lfbe ? [] : t.dct),
    );
    this.frames = (n) => fe.frameCount(n);
  }

  /** The C twin of `frontEnd` (its tables as they are now), or null without the addon. */
  static of(frontEnd: FrontEnd, addon: NativeFrontEndFunctions | null = nativeAddon()) {
    return addon === null ? null : new NativeFeatures(addon, frontEnd);
  }

  /** Features of a whole clip, frames x coeffs, as FrontEnd.extract gives them (as float32). */
  extract(samples: Float32Array): Float32Array {
    const frames = this.frames(samples.length);
    const out = new Float32Array(frames * this.frontEnd.coeffs);
    this.addon.frontEndExtract(this.handle, samples, frames, out);
    return out;
  }
}
