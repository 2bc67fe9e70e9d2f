/**
 * ONNX out: device models exported as QDQ-int8 and float ONNX, run by onnxruntime-node, match
 * earshot's host integer evaluation on the same features within the stated tolerances
 * (host/interop/README.md): |score difference| <= 0.03 (QDQ and float), in probability
 * (or real logit) units. Skips loudly where the optional onnxruntime-node is not installed.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IntEvaluator } from "../../host/compress/int-eval";
import {
  syntheticBinaryModel,
  syntheticInt4Model,
  syntheticInt8Model,
  syntheticStreamModel,
} from "../../host/compress/synthetic-models";
import { exportOnnx } from "../../host/interop/onnx/export";
import { exportOnnxFile } from "../../host/interop/onnx/export-file";
import { importTflite } from "../../host/interop/tflite/import";
import { readTflite } from "../../host/interop/tflite/schema";
import { loadOrt, type Ort } from "../../host/teacher/runtime";
import { encodeModel } from "../../shared/model-format/encode";
import type { DeviceModel } from "../../shared/model-format/types";
import { smallNet } from "./tflite-model";

let ort: Ort | null = null;
try {
  ort = await loadOrt();
} catch {
  ort = null;
}

const TOLERANCE = { qdq: 0.03, float: 0.03 };
const dir = mkdtempSync(join(tmpdir(), "earshot-onnx-"));

const MODELS: [string, DeviceModel][] = [
  ["int8 conv net", syntheticInt8Model({ seed: 5 })],
  ["4-bit conv net", syntheticInt4Model({ seed: 6 })],
  ["time-causal conv net (padding 2, res8-stream's shape)", syntheticStreamModel({ seed: 7 })],
  [
    "imported TFLite net (conv, pools, add, depthwise, dense, tflm_requantize)",
    importTflite(readTflite(smallNet())),
  ],
];

describe.skipIf(ort === null)("ONNX export [needs onnxruntime-node]", () => {
  describe.each(MODELS)("%s", (name, model) => {
    it.each([
      "qdq",
      "float",
    ] as const)("%s: onnxruntime matches the host integer evaluation", async (precision) => {
      const rt = ort as Ort;
      const esm = join(dir, `${name.length}-${precision}.esm`);
      const { writeFileSync } = await import("node:fs");
      writeFileSync(esm, Uint8Array.from(encodeModel(model)));
      const out = join(dir, `${name.length}-${precision}.onnx`);
      await exportOnnxFile(esm, out, precision);
      const session = await rt.InferenceSession.create(out);
      const ev = new IntEvaluator(model);
      const shape = [1, ...model.tensors[model.input].shape];
      let worst = 0;
      for (let k = 0; k < 6; k++) {
        const f = Array.from(
          { length: ev.inputSize() },
          (_, i) => 2 * Math.sin(i * 0.37 + k) + Math.cos(i * 0.011 * k),
        );
        const want = ev.run(f).scores;
        const r = await session.run({
          features: new rt.Tensor("float32", Float32Array.from(f), shape),
        });
        const got = Array.from(r.scores.data);
        expect(got).toHaveLength(want.length);
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      }
      expect(worst).toBeLessThanOrEqual(TOLERANCE[precision]);
      await session.release();
    });
  });

  it("refuses binary models in one line", () => {
    expect(() => exportOnnx(syntheticBinaryModel({ seed: 7 }), "qdq")).toThrow(
      /^op binarize has no ONNX export/,
    );
  });
});
