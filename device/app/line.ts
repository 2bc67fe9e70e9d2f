/**
 * The engine protocol's output side (run-stream.ts documents the lines): what an engine hands
 * the runtime, and one line of numbers as every engine prints it.
 */

export interface EngineIo {
  /**
   * Model file bytes (0..255 each): a plain array, or a Uint8Array where the engine has typed
   * arrays. runStream drops its reference once the model is loaded, so a device can free them.
   */
  modelBytes: number[];
  /**
   * The audio source: writes up to `max` int16 PCM samples (at the model's sample rate) into
   * dst[0..n) and returns n; 0 at the end. Called once per chunk of at most CHUNK samples, the
   * way a device's audio driver hands over DMA buffers; no engine ever holds all samples.
   */
  readSamples(dst: number[], max: number): number;
  print(line: string): void;
  /** A number as text that parses back to the same double. */
  fmt(x: number): string;
  /** Milliseconds (any origin), for stage timings. */
  clock(): number;
  /** Emit per-op outputs and input windows (golden-vector comparison). */
  trace: boolean;
  /**
   * Run-time overrides "threshold,smoothingWindow,strideFrames,suppressionMs[,streaming[,
   * incremental]]"; an empty field (or an empty string) keeps the model's default; streaming
   * "0" turns the device mode off, incremental "0" the per-stride state (device/runtime/
   * incremental.ts) only.
   */
  settings: string;
}

/** `tag` and the numbers as one line, each in the engine's round-trip form. */
export function line(
  io: EngineIo,
  tag: string,
  head: number[],
  values: number[],
  n: number,
): string {
  let s = tag;
  // biome-ignore lint/style/useTemplate: ES5 lowers a template to two concat() calls per field (a third of a score line's cost on JerryScript)
  for (let i = 0; i < head.length; i++) s = s + " " + io.fmt(head[i]);
  // biome-ignore lint/style/useTemplate: as above
  for (let i = 0; i < n; i++) s = s + " " + io.fmt(values[i]);
  return s;
}
