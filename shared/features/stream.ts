/**
 * Streaming API of the front end: push audio in chunks of any size, get each frame as soon as
 * its window is complete. Fixed-capacity buffers (one window of samples, one frame of output),
 * nothing allocated after construction. Emits exactly the frames `extractFeatures` computes on the
 * concatenated input, bit for bit: both call FrontEnd.computeFrame on the same samples.
 *
 * Timestamps are ms from the first sample pushed since construction or reset(): frame t covers
 * [t * hopMs, t * hopMs + windowMs).
 */

import { zeros } from "../portable/arrays";
import type { FrontEndConfig } from "./config";
import { FrontEnd, type SampleSource } from "./frontend";

/** Receives frames. `coeffs` is owned by the front end and overwritten by the next frame. */
export interface FrameSink {
  onFrame(coeffs: number[], index: number, startMs: number, endMs: number): void;
}

export class StreamingFrontEnd {
  readonly frontEnd: FrontEnd;
  /** Frames emitted since construction or reset(). */
  framesEmitted = 0;
  /** Samples pushed since construction or reset(). */
  samplesPushed = 0;
  private readonly sink: FrameSink;
  /** The last `windowLength` samples, oldest at `pos` once full. */
  private readonly ring: number[];
  private readonly linear: number[];
  private readonly out: number[];
  private pos = 0;
  /** Samples still missing before the next frame is due. */
  private need: number;

  constructor(cfg: FrontEndConfig, sink: FrameSink) {
    this.frontEnd = new FrontEnd(cfg);
    this.sink = sink;
    this.ring = zeros(this.frontEnd.windowLength);
    this.linear = zeros(this.frontEnd.windowLength);
    this.out = zeros(this.frontEnd.coeffs);
    this.need = this.frontEnd.windowLength;
  }

  /** Forgets buffered audio; the next sample pushed is time 0 again. */
  reset(): void {
    for (let i = 0; i < this.ring.length; i++) this.ring[i] = 0;
    this.pos = 0;
    this.need = this.frontEnd.windowLength;
    this.framesEmitted = 0;
    this.samplesPushed = 0;
  }

  /**
   * Consumes samples[start .. end - 1] (default: all), calling the sink for every frame
   * completed. Returns the number of frames emitted by this call.
   */
  push(samples: SampleSource, start?: number, end?: number): number {
    // Indexed as number[] so typescript-to-lua adds Lua's 1-based offset (and uses `#` for the
    // length); a host Float32Array reads the same through it.
    const src = samples as unknown as number[];
    const from = start === undefined ? 0 : start;
    const to = end === undefined ? src.length : end;
    const ring = this.ring;
    const w = ring.length;
    let emitted = 0;
    let i = from;
    while (i < to) {
      let take = to - i;
      if (take > this.need) take = this.need;
      let pos = this.pos;
      for (let j = 0; j < take; j++) {
        ring[pos] = src[i + j];
        pos++;
        if (pos === w) pos = 0;
      }
      this.pos = pos;
      i += take;
      this.need -= take;
      if (this.need === 0) {
        this.emit();
        emitted++;
        this.need = this.frontEnd.hopLength;
      }
    }
    this.samplesPushed += to - from;
    return emitted;
  }

  private emit(): void {
    const ring = this.ring;
    const lin = this.linear;
    const w = ring.length;
    const first = w - this.pos;
    for (let j = 0; j < first; j++) lin[j] = ring[this.pos + j];
    for (let j = first; j < w; j++) lin[j] = ring[j - first];
    this.frontEnd.computeFrame(lin, 0, this.out, 0);
    const index = this.framesEmitted;
    const cfg = this.frontEnd.config;
    this.framesEmitted = index + 1;
    this.sink.onFrame(this.out, index, index * cfg.hopMs, index * cfg.hopMs + cfg.windowMs);
  }
}
