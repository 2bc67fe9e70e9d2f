/**
 * What every engine's entry runs: decode a model, build the detector, stream int16 samples
 * through it and print results as lines of numbers (the only thing that crosses back from
 * duk / lua / the Duktape host). Line protocol, one record per line, fields space-separated:
 *
 *   A arenaPeakBytes intMacs binMacs          after load
 *   K op impl                                 which implementation serves each kernel
 *   I macsPerStride strideFrames              streaming inference runs (runtime/incremental.ts)
 *   T op v0 v1 ...                            (trace) output of op `op` for the last inference
 *   F t v0 v1 ...                             (trace) the input window of an inference
 *   S t r0 r1 ...                             raw scores of one inference at t ms
 *   E t classIndex rawSum window              a detection
 *   P samples frames inferences detections frontEndMs networkMs postMs wholeSteps strideSteps
 *                                             stage telemetry, at end; the last two: steps of the
 *                                             host programs (TensorMemory.program) the whole
 *                                             network and a streaming stride run as (0: none)
 *   X message                                 an error (the entry then exits non-zero)
 *
 * Integers print as integers and floats in round-trip form on every engine (`fmt`), so the
 * host parses identical numbers from each.
 */
import { float64FromWords, float64ToWords } from "../../shared/model-format/bytes";
import { DT_INT16 } from "../../shared/model-format/types";
import type { Detector } from "../runtime/detector";
import type { FrontEndIntrinsic } from "../runtime/frontend-intrinsic";
import type { KernelRegistry } from "../runtime/intrinsics";
import { loadDetector } from "../runtime/load";
import type { TensorMemory } from "../runtime/memory";
import { type EngineIo, line } from "./line";
import { traceLines } from "./trace-lines";

export type { EngineIo };

/** Parses a number field: decimal, or `w<hi>:<lo>` as exactNumberText writes. */
function numberFromText(text: string): number {
  if (text.charAt(0) !== "w") return Number(text);
  const f = text.slice(1).split(":");
  if (f.length !== 2) return 0 / 0;
  return float64FromWords(Number(f[0]), Number(f[1]));
}

/** Applies `io.settings` over the detector's defaults (throws on a malformed value). */
function applySettings(det: Detector, text: string): void {
  if (text.length === 0) return;
  const f = text.split(",");
  const s = det.getSettings();
  const pick = (i: number, fallback: number): number => {
    if (i >= f.length || f[i].length === 0) return fallback;
    const v = numberFromText(f[i]);
    // biome-ignore lint/suspicious/noSelfCompare: portable NaN test
    if (v !== v) throw new Error(`setting ${i + 1} is not a number: '${f[i]}'`);
    return v;
  };
  det.configure({
    threshold: pick(0, s.threshold),
    smoothingWindow: pick(1, s.smoothingWindow),
    strideFrames: pick(2, s.strideFrames),
    suppressionMs: pick(3, s.suppressionMs),
  });
}

/**
 * A number as text that parses back to the same double on an engine whose own conversion does
 * not round-trip: integers below 2^53 as themselves, anything else as its IEEE-754 bit pattern
 * `w<hi>:<lo>` (two uint32 words; device/engines/protocol.ts reads it back).
 */
export function exactNumberText(x: number): string {
  // `% 1` and `+` rather than Math.floor and String: no calls (each score of each line, and an
  // interpreted call costs a few thousand instructions on a device engine).
  // biome-ignore lint/style/useTemplate: a template is a concat() call in ES5
  if (x % 1 === 0 && x < 9007199254740992 && x > -9007199254740992) return "" + x;
  const w = float64ToWords(x);
  return `w${w[0]}:${w[1]}`;
}

/** Samples per chunk: 32 ms at 16 kHz. */
export const CHUNK = 512;

/** An audio source over an array of int16 samples already in memory (host-side engines). */
export function arraySource(samples: number[]): (dst: number[], max: number) => number {
  let pos = 0;
  return (dst: number[], max: number): number => {
    let n = samples.length - pos;
    if (n > max) n = max;
    for (let i = 0; i < n; i++) dst[i] = samples[pos + i];
    pos += n;
    return n;
  };
}

function takeModelBytes(io: EngineIo): number[] {
  const b = io.modelBytes;
  io.modelBytes = [];
  return b;
}

/**
 * Streaming (the device mode: quantized frame ring, banded conv + pool; detector.ts) unless the
 * settings' fifth field is "0" or the run traces (a trace prints every layer's full output).
 */
function streamingWanted(io: EngineIo): boolean {
  if (io.trace) return false;
  const f = io.settings.split(",");
  return !(f.length > 4 && f[4] === "0");
}

/** Streaming inference (only new rows per stride) unless the settings' sixth field is "0". */
function incrementalWanted(io: EngineIo): boolean {
  const f = io.settings.split(",");
  return !(f.length > 5 && f[5] === "0");
}

/**
 * One stream, driven from outside: `startStream` loads the model and prints the load lines,
 * `feed` pulls audio from io.readSamples until it returns 0 (call it again when more audio has
 * arrived: an embedder hands over chunks as its audio driver fills them), `finish` prints the
 * telemetry line. Every buffer is allocated by startStream. A failure while streaming (a native
 * refusing its arguments, an engine out of memory: what a model only the device's structural
 * checks saw can still cause) ends the stream with one `X` line, as a load failure does.
 */
export class StreamSession {
  private readonly io: EngineIo;
  private readonly det: Detector;
  private readonly memory: TensorMemory;
  private readonly pcm: number[];
  private readonly chunk: number[];
  private failed = false;

  /** `buffers`: the audio buffers streamBuffers() allocated before the model was loaded. */
  constructor(io: EngineIo, det: Detector, memory: TensorMemory, buffers: number[][]) {
    this.io = io;
    this.det = det;
    this.memory = memory;
    this.pcm = buffers[0];
    this.chunk = buffers[1];
  }

  /**
   * New detector settings mid-stream, in the settings text's format (threshold,smoothing,
   * stride,suppression; empty fields keep the current value): what a signed setThreshold
   * command or an OTA manifest's defaults change on a running device. Throws on a malformed or
   * out-of-range value, and then nothing changes.
   */
  configure(text: string): void {
    applySettings(this.det, text);
  }

  feed(): void {
    if (this.failed) return;
    try {
      this.pull();
    } catch (e) {
      this.failed = true;
      this.io.print(`X ${(e as Error).message}`);
    }
  }

  private pull(): void {
    const io = this.io;
    const det = this.det;
    for (;;) {
      const n = io.readSamples(this.pcm, CHUNK);
      if (n <= 0) break;
      this.memory.copyScaled(this.pcm, 0, this.chunk, 0, n, 1 / 32768);
      det.push(this.chunk, 0, n);
      for (let i = 0; i < det.pendingEvents(); i++) {
        const e = det.event(i);
        io.print(line(io, "E", [e.t, e.classIndex, e.rawSum, e.window], [], 0));
      }
      det.drainEvents();
    }
  }

  finish(): void {
    if (this.failed) return;
    const st = this.det.stats;
    const inc = this.det.incremental;
    this.io.print(
      line(
        this.io,
        "P",
        [
          st.samples,
          st.frames,
          st.inferences,
          st.detections,
          st.frontEndMs,
          st.networkMs,
          st.postMs,
          this.det.interpreter.programSteps,
          inc !== null ? inc.programSteps : 0,
        ],
        [],
        0,
      ),
    );
  }
}

/**
 * The stream's audio buffers (int16 where the memory keeps narrow arrays: 1 KB less of a
 * JerryScript heap than int32 slots). Taken before the model loads: decoding leaves Espruino's
 * variables fragmented, and a buffer allocated after it may not get one flat block, which its C
 * kernels then copy on every call.
 */
function streamBuffers(memory: TensorMemory): number[][] {
  return [memory.buffer(CHUNK, DT_INT16), memory.scratch(CHUNK, true)];
}

/** Loads the model and prints the load lines; null after printing an `X` line. */
export function startStream(
  io: EngineIo,
  registry: KernelRegistry,
  memory: TensorMemory,
  frontEnd: FrontEndIntrinsic | null = null,
): StreamSession | null {
  const buffers = streamBuffers(memory);
  let det: Detector;
  try {
    // No local keeps the file's bytes: loadDetector drops them after decoding, before the
    // detector allocates its arena, so a small heap never holds both.
    det = loadDetector(
      takeModelBytes(io),
      registry.kernels(),
      memory,
      io.clock,
      frontEnd,
      streamingWanted(io),
      incrementalWanted(io),
    );
    applySettings(det, io.settings);
  } catch (e) {
    io.print(`X ${(e as Error).message}`);
    return null;
  }
  const it = det.interpreter;
  io.print(line(io, "A", [it.arenaPeakBytes, it.macs[0], it.macs[1]], [], 0));
  const serving = registry.servingTable();
  for (let i = 0; i < serving.length; i++) io.print(`K ${serving[i].op} ${serving[i].impl}`);
  io.print(`K frontEnd ${det.features.implName}`);
  const inc = det.incremental;
  if (inc !== null) io.print(line(io, "I", [inc.macsPerStride, inc.strideFrames], [], 0));
  printInferences(io, det, memory);
  return new StreamSession(io, det, memory, buffers);
}

/** Prints every inference's scores; tracing (streaming off), its window and every layer. */
function printInferences(io: EngineIo, det: Detector, memory: TensorMemory): void {
  // The scores, one per label (the detector checked it).
  const nOut = det.model.labels.length;
  const trace = io.trace ? traceLines(io, det, memory) : null;
  det.onScores((raw: number[], t: number) => {
    io.print(line(io, "S", [t], raw, nOut));
    if (trace !== null) trace(t);
  });
}

/** Runs the whole stream; returns 0, or 1 after printing an `X` line. */
export function runStream(
  io: EngineIo,
  registry: KernelRegistry,
  memory: TensorMemory,
  frontEnd: FrontEndIntrinsic | null = null,
): number {
  const session = startStream(io, registry, memory, frontEnd);
  if (session === null) return 1;
  session.feed();
  session.finish();
  return 0;
}
