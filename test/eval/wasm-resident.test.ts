/**
 * The resident wasm runner (constants and parameters written into wasm memory once) computes the
 * same raw outputs as IntEvaluator on the reference kernels, for int8, 4-bit, binary and
 * TFLite-imported models, run after run (no state leaks between inferences).
 */
import { describe, expect, it } from "vitest";
import { buildOutputs } from "../../device/engines/paths";
import { buildDevice } from "../../device/tools/build";
import { IntEvaluator } from "../../host/compress/int-eval";
import {
  syntheticBinaryModel,
  syntheticInt4Model,
  syntheticInt8Model,
} from "../../host/compress/synthetic-models";
import { ResidentWasmModel } from "../../host/infer/wasm-resident";
import { importTflite } from "../../host/interop/tflite/import";
import { readTflite } from "../../host/interop/tflite/schema";
import { smallNet } from "../interop/tflite-model";

buildDevice();

describe.each([
  ["int8", syntheticInt8Model({ seed: 5 })],
  ["4-bit", syntheticInt4Model({ seed: 6 })],
  ["binary", syntheticBinaryModel({ seed: 7 })],
  ["imported TFLite", importTflite(readTflite(smallNet()))],
])("%s model", (_name, model) => {
  it.each([
    "wasmScalar",
    "wasmSimd",
  ] as const)("%s: resident runs equal IntEvaluator's", (build) => {
    const r = new ResidentWasmModel(model, buildOutputs()[build]);
    const ev = new IntEvaluator(model);
    for (let k = 0; k < 3; k++) {
      const f = Array.from({ length: ev.inputSize() }, (_, i) => 3 * Math.sin(i * 0.29 + k));
      expect(r.run(f)).toEqual(ev.run(f).output);
    }
  });
});
