/**
 * What every engine's entry runs: decode a model, build the detector, stream int16 samples
 * through it and print results as lines of numbers (the only thing that crosses back from
 * duk / lua / the Duktape host). Line protocol, one record per line, fields space-separated:
 *
 *   A arenaPeakBytes intMacs binMacs          after load
 *   K op impl                                 which implementation serves each kernel
 *   T op v0 v1 ...                            (trace) output of op `op` for the last inference
 *   F t v0 v1 ...                             (trace) the input window of an inference
 *   S t r0 r1 ...                             raw scores of one inference at t ms
 *   E t classIndex rawSum window              a detection
 *   P samples frames inferences detections frontEndMs networkMs postMs   stage telemetry, at end
 *   X message                                 an error (the entry then exits non-zero)
 *
 * Integers print as integers and floats in round-trip form on every engine (`fmt`), so the
 * host parses identical numbers from each.
 */
import { float64FromWords, float64ToWords } from "../../shared/model-format/bytes";
import type { Detector } from "../runtime/detector";
import type { FrontEndIntrinsic } from "../runtime/frontend-intrinsic";
import type { KernelRegistry } from "../runtime/intrinsics";
import { loadDetector } from "../runtime/load";
import type { TensorMemory } from "../runtime/memory";

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
   * Run-time overrides "threshold,smoothingWindow,strideFrames,suppressionMs"; an empty field
   * (or an empty string) keeps the model's default.
   */
  settings: string;
}

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
  if (x === Math.floor(x) && x < 9007199254740992 && x > -9007199254740992) return String(x);
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

function line(io: EngineIo, tag: string, head: number[], values: number[], n: number): string {
  let s = tag;
  for (let i = 0; i < head.length; i++) s = `${s} ${io.fmt(head[i])}`;
  for (let i = 0; i < n; i++) s = `${s} ${io.fmt(values[i])}`;
  return s;
}

function takeModelBytes(io: EngineIo): number[] {
  const b = io.modelBytes;
  io.modelBytes = [];
  return b;
}

/** Runs the whole stream; returns 0, or 1 after printing an `X` line. */
export function runStream(
  io: EngineIo,
  registry: KernelRegistry,
  memory: TensorMemory,
  frontEnd: FrontEndIntrinsic | null = null,
): number {
  let det: Detector;
  try {
    // No local keeps the file's bytes: loadDetector drops them after decoding, before the
    // detector allocates its arena, so a small heap never holds both.
    det = loadDetector(takeModelBytes(io), registry.kernels(), memory, io.clock, frontEnd);
    applySettings(det, io.settings);
  } catch (e) {
    io.print(`X ${(e as Error).message}`);
    return 1;
  }
  const it = det.interpreter;
  io.print(line(io, "A", [it.arenaPeakBytes, it.macs[0], it.macs[1]], [], 0));
  const serving = registry.servingTable();
  for (let i = 0; i < serving.length; i++) io.print(`K ${serving[i].op} ${serving[i].impl}`);
  io.print(`K frontEnd ${frontEnd === null ? "portable" : frontEnd.name}`);
  const nOut = it.output().length;
  // Only a trace needs a second copy of the input window.
  const window = io.trace ? memory.scratch(it.input().length, true) : [];
  det.onScores((raw: number[], t: number) => {
    io.print(line(io, "S", [t], raw, nOut));
    if (io.trace) {
      // Re-run the inference op by op to print every layer (the arena is reused within one run).
      // The arena may have reused the input's bytes: copy the window in again first.
      det.copyWindow(window);
      io.print(line(io, "F", [t], window, window.length));
      det.copyWindow(it.input());
      for (let k = 0; k < it.opCount(); k++) {
        it.invoke(k, k + 1);
        const o = it.tensor(it.opOutput(k));
        io.print(line(io, "T", [k], o, o.length));
      }
    }
  });
  const pcm = memory.scratch(CHUNK, false);
  const chunk = memory.scratch(CHUNK, true);
  for (;;) {
    const n = io.readSamples(pcm, CHUNK);
    if (n <= 0) break;
    memory.copyScaled(pcm, 0, chunk, 0, n, 1 / 32768);
    det.push(chunk, 0, n);
    for (let i = 0; i < det.pendingEvents(); i++) {
      const e = det.event(i);
      io.print(line(io, "E", [e.t, e.classIndex, e.rawSum, e.window], [], 0));
    }
    det.drainEvents();
  }
  const st = det.stats;
  io.print(
    line(
      io,
      "P",
      [st.samples, st.frames, st.inferences, st.detections, st.frontEndMs, st.networkMs, st.postMs],
      [],
      0,
    ),
  );
  return 0;
}
