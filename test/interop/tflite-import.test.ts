/**
 * TFLite in: the flatbuffer reader on hand-built files (every supported op, per-tensor and
 * per-axis quantization, refusals) and on malformed bytes (always one TfliteError, never a
 * crash), plus the converted models' structure. The TFLM peer model is in tflm-peer.test.ts.
 */
import { describe, expect, it } from "vitest";
import { IntEvaluator } from "../../host/compress/int-eval";
import { TfliteError } from "../../host/interop/tflite/errors";
import { importTflite, tfliteMultiplier } from "../../host/interop/tflite/import";
import { readTflite } from "../../host/interop/tflite/schema";
import { isEarshotError } from "../../shared/errors";
import { decodeModel } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import { opName } from "../../shared/model-format/prepare";
import { PAD_SAME, PAD_VALID } from "../../shared/model-format/types";
import { buildTflite, S_IN, smallNet } from "./tflite-model";
import { tflmReferenceRun } from "./tflm-reference";

describe("TFLite reader and importer", () => {
  it("reads a hand-built file: tensors, per-axis quantization, ops", () => {
    const m = readTflite(smallNet());
    expect(m.tensors).toHaveLength(16);
    expect(m.tensors[1].quant).toEqual({
      scale: [0.01, 0.02, 0.015].map(Math.fround),
      zeroPoint: [0, 0, 0],
      quantizedDimension: 0,
    });
    expect(m.operators.map((o) => o.name)).toEqual([
      "CONV_2D",
      "MAX_POOL_2D",
      "ADD",
      "DEPTHWISE_CONV_2D",
      "AVERAGE_POOL_2D",
      "RESHAPE",
      "FULLY_CONNECTED",
      "SOFTMAX",
    ]);
  });

  it("maps every supported op onto earshot's ops with TFLite's parameters", () => {
    const tflm = importTflite(readTflite(smallNet()));
    expect(tflm.ops.map((o) => opName(o.code))).toEqual([
      "quantize",
      "conv2d",
      "tflm_requantize",
      "max_pool2d",
      "add",
      "depthwise_conv2d",
      "tflm_requantize",
      "avg_pool2d",
      "dense",
      "tflm_requantize",
      "softmax",
    ]);
    // With earshot's rounding the multipliers go into the layers.
    const model = importTflite(readTflite(smallNet()), { rounding: "earshot" });
    expect(model.ops.map((o) => opName(o.code))).toEqual([
      "quantize",
      "conv2d",
      "max_pool2d",
      "add",
      "depthwise_conv2d",
      "avg_pool2d",
      "dense",
      "softmax",
    ]);
    const [, conv, pool, , dw] = model.ops;
    // conv: stride 1, SAME, input zero point -3, RELU clamps at the output zero point.
    expect(conv.attrs).toEqual([1, 1, PAD_SAME, -3, -128, -128, 127]);
    expect(model.tensors[conv.inputs[3]].data).toHaveLength(3); // per-channel multipliers
    expect(pool.attrs).toEqual([2, 2, 2, 2, PAD_VALID, -128, 127]);
    // depthwise RELU6: actMax = zp + round(6 / 0.05) = 122.
    expect(dw.attrs).toEqual([1, 1, PAD_VALID, -120, 2, 2, 122]);
    // The decoder (the device's validation) accepts both, and they run.
    const feats = Array.from({ length: 72 }, (_, i) => Math.sin(i) * 3);
    for (const m of [model, tflm]) {
      const r = new IntEvaluator(decodeModel(encodeModel(m))).run(feats);
      expect(r.output.reduce((a, b) => a + b, 0)).toBeGreaterThan(32768 - 8);
    }
    // Up to the ADD (whose rounding stays earshot's), the TFLM-rounded import equals TFLM's
    // reference kernels: conv's tflm_requantize is layer 2, the max pool layer 3.
    const input = feats.map((v) => Math.max(-128, Math.min(127, Math.round(v / S_IN) - 3)));
    const ref = tflmReferenceRun(readTflite(smallNet()), input);
    const layers = new IntEvaluator(tflm).run(feats, true).layers;
    expect(layers[0].values).toEqual(input);
    expect(layers[2].values).toEqual(ref[0]);
    expect(layers[3].values).toEqual(ref[1]);
  });

  it("decomposes multipliers as TFLite's QuantizeMultiplier does", () => {
    expect(tfliteMultiplier(0.5)).toEqual({ mult: 2 ** 30, shift: 31 });
    const r = tfliteMultiplier(0.0003);
    expect(r.mult).toBeGreaterThanOrEqual(2 ** 30);
    expect(r.mult).toBeLessThan(2 ** 31);
    expect(Math.abs(r.mult * 2 ** -r.shift - 0.0003)).toBeLessThan(0.0003 * 2 ** -30);
  });

  it("refuses unsupported ops in one line naming each", () => {
    const bytes = buildTflite(
      [
        { name: "x", shape: [1, 4], type: 9, scale: [0.1] },
        { name: "y", shape: [1, 4], type: 9, scale: [0.1] },
        { name: "z", shape: [1, 4], type: 9, scale: [0.1] },
      ],
      [
        { builtin: 18, inputs: [0, 0], outputs: [1] },
        { builtin: 28, inputs: [1], outputs: [2] },
      ],
      [0],
      [2],
    );
    const err = (() => {
      try {
        importTflite(readTflite(bytes));
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(TfliteError);
    expect(err?.message).toMatch(/^unsupported TFLite ops: MUL, TANH /);
    expect(err?.message).not.toContain("\n");
  });

  it("refuses float models and custom ops by name", () => {
    const float = buildTflite(
      [
        { name: "x", shape: [1, 4], type: 0 },
        { name: "w", shape: [2, 4], type: 0, data: [0, 0, 0, 0, 0, 0, 0, 0] },
        { name: "y", shape: [1, 2], type: 0 },
      ],
      [{ builtin: 9, inputs: [0, 1, -1], outputs: [2] }],
      [0],
      [2],
    );
    expect(() => importTflite(readTflite(float))).toThrow(
      /graph input "x" is FLOAT32; only int8 inputs import/,
    );
  });

  it("refuses malformed flatbuffers with one TfliteError, never a crash", () => {
    const good = smallNet();
    expect(() => readTflite(good.subarray(0, 6))).toThrow(TfliteError);
    const badIdent = good.slice();
    badIdent[4] = 0x58;
    expect(() => readTflite(badIdent)).toThrow(/identifier "XFL3"/);
    const badRoot = good.slice();
    new DataView(badRoot.buffer).setUint32(0, 0x7ffffff0, true);
    expect(() => readTflite(badRoot)).toThrow(/malformed flatbuffer: root table out of range/);
    // Every truncation and many corruptions end in an EarshotError (or a good parse).
    let refused = 0;
    for (let n = 8; n < good.length; n += 7) {
      try {
        importTflite(readTflite(good.subarray(0, n)));
      } catch (e) {
        expect(isEarshotError(e), String(e)).toBe(true);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(10);
    let seed = 7;
    for (let k = 0; k < 300; k++) {
      const b = good.slice();
      for (let j = 0; j < 3; j++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        b[8 + (seed % (b.length - 8))] = seed & 0xff;
      }
      try {
        decodeModel(encodeModel(importTflite(readTflite(b))));
      } catch (e) {
        expect(isEarshotError(e), String((e as Error).stack)).toBe(true);
      }
    }
  });
});
