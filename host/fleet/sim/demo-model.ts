/**
 * A small valid model file (shared/model-format) for simulations, tests and benchmarks when no
 * trained model is at hand: one quantize op and `padBytes` int8 constants to give it a size.
 */
import { encodeModel } from "../../../shared/model-format/encode";
import { DT_FLOAT32, DT_INT8, OP_QUANTIZE } from "../../../shared/model-format/types";

export function demoModel(modelId: string, version: number, padBytes = 2048): Uint8Array {
  return Uint8Array.from(
    encodeModel({
      formatVersion: 1,
      modelId,
      modelVersion: version,
      labels: ["yes", "no", "up", "down"],
      frontEnd: [],
      threshold: 0.7,
      smoothingWindow: 3,
      meta: [],
      tensors: [
        {
          name: "x",
          dtype: DT_FLOAT32,
          bits: 32,
          shape: [4],
          data: null,
          scales: [1],
          zeroPoint: 0,
        },
        { name: "q", dtype: DT_INT8, bits: 8, shape: [4], data: null, scales: [0.5], zeroPoint: 0 },
        {
          name: "pad",
          dtype: DT_INT8,
          bits: 8,
          shape: [padBytes],
          data: Array.from({ length: padBytes }, (_, i) => ((i * 37 + version) % 256) - 128),
          scales: [1],
          zeroPoint: 0,
        },
      ],
      ops: [{ code: OP_QUANTIZE, inputs: [0], outputs: [1], attrs: [] }],
      input: 0,
      output: 1,
    }),
  );
}
