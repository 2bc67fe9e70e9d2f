/**
 * Trace output (the `F` and `T` lines: run-stream.ts): after each inference, its input window
 * and every layer's output, for golden-vector comparison on the host. A device never traces;
 * the whole-window image bundle leaves this out (device/targets/es5/image/no-trace.ts).
 */
import type { Detector } from "../runtime/detector";
import type { TensorMemory } from "../runtime/memory";
import { type EngineIo, line } from "./line";

/**
 * The function that prints the trace of the inference that ended at t ms. A trace runs with
 * streaming off, so every op's output exists.
 */
export function traceLines(io: EngineIo, det: Detector, memory: TensorMemory): (t: number) => void {
  const it = det.interpreter;
  // Float frames: a streaming detector's window holds the quantized input instead.
  if (it.inputQuantizer() !== null) throw new Error("a streaming detector keeps quantized frames");
  // A second copy of the input window.
  const window = memory.scratch(it.input().length, true);
  return (t: number) => {
    // Re-run the inference op by op to print every layer (the arena is reused within one run).
    // The arena may have reused the input's bytes: copy the window in again first.
    det.window.copyTo(window);
    io.print(line(io, "F", [t], window, window.length));
    det.window.copyTo(it.input());
    for (let k = 0; k < it.opCount(); k++) {
      it.invoke(k, k + 1);
      const o = it.tensor(it.opOutput(k));
      io.print(line(io, "T", [k], o, o.length));
    }
  };
}
