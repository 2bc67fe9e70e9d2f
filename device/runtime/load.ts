/**
 * The one place a model file becomes a running detector: decode and validate the bytes once
 * (the prepared ops that validation derived go straight to the interpreter), then wire the
 * Detector. Every engine entry (device/app/run-stream.ts), the fleet simulator's devices and
 * the CLI load through here.
 */
import type { Kernels } from "../../shared/kernels/types";
import { decodePrepared } from "../../shared/model-format/decode";
import { Detector } from "./detector";
import type { FrontEndIntrinsic } from "./frontend-intrinsic";
import type { TensorMemory } from "./memory";

/**
 * Throws ModelFormatError (or a settings error) when the bytes cannot run. `streaming`: the
 * device mode (detector.ts, interpreter.ts InterpreterOptions); `incremental`: with it, each
 * stride computes only new rows where the model allows (incremental.ts).
 */
export function loadDetector(
  bytes: number[],
  kernels: Kernels,
  memory: TensorMemory,
  clock: () => number,
  frontEnd: FrontEndIntrinsic | null = null,
  streaming = false,
  incremental = true,
): Detector {
  const { model, ops } = decodePrepared(bytes, (count: number, dtype: number, bits: number) =>
    memory.constantStorage(count, dtype, bits),
  );
  // Constants are decoded: let a device reuse the file's bytes for the arena (when the caller
  // kept no reference either, as device/app/run-stream.ts does not).
  bytes = [];
  return new Detector(model, kernels, memory, clock, frontEnd, ops, streaming, incremental);
}
