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
import type { Detector } from "../runtime/detector";
import type { FrontEndIntrinsic } from "../runtime/frontend-intrinsic";
import type { KernelRegistry } from "../runtime/intrinsics";
import { loadDetector } from "../runtime/load";
import type { TensorMemory } from "../runtime/memory";

export interface EngineIo {
  /** Model file bytes (0..255 each). */
  modelBytes: number[];
  /** int16 PCM samples at the model's sample rate. */
  samples: number[];
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

/** Applies `io.settings` over the detector's defaults (throws on a malformed value). */
function applySettings(det: Detector, text: string): void {
  if (text.length === 0) return;
  const f = text.split(",");
  const s = det.getSettings();
  const pick = (i: number, fallback: number): number => {
    if (i >= f.length || f[i].length === 0) return fallback;
    const v = Number(f[i]);
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

const CHUNK = 512;

function line(io: EngineIo, tag: string, head: number[], values: number[], n: number): string {
  let s = tag;
  for (let i = 0; i < head.length; i++) s = `${s} ${io.fmt(head[i])}`;
  for (let i = 0; i < n; i++) s = `${s} ${io.fmt(values[i])}`;
  return s;
}

/** Runs the whole stream; returns 0, or 1 after printing an `X` line. */
export function runStream(
  io: EngineIo,
  registry: KernelRegistry,
  memory: TensorMemory,
  frontEnd: FrontEndIntrinsic | null = null,
): number {
  // A plain array: the decoder must see the same type on every engine.
  const bytes: number[] = [];
  for (let i = 0; i < io.modelBytes.length; i++) bytes.push(io.modelBytes[i]);
  let det: Detector;
  try {
    det = loadDetector(bytes, registry.kernels(), memory, io.clock, frontEnd);
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
  const window = memory.scratch(it.input().length, true);
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
  const chunk = memory.scratch(CHUNK, true);
  const total = io.samples.length;
  let pos = 0;
  while (pos < total) {
    let n = total - pos;
    if (n > CHUNK) n = CHUNK;
    memory.copyScaled(io.samples, pos, chunk, 0, n, 1 / 32768);
    det.push(chunk, 0, n);
    pos += n;
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
