import { describe, expect, it } from "vitest";
import {
  syntheticBinaryModel,
  syntheticFfnModel,
  syntheticInt4Model,
  syntheticInt8Model,
} from "../../host/compress/synthetic-models";
import { decodeModel } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import { storedBytes } from "../../shared/model-format/layout";

const models = {
  int8: syntheticInt8Model(),
  int5: syntheticInt8Model({ weightBits: 5 }),
  int4: syntheticInt4Model(),
  int2: syntheticInt8Model({ weightBits: 2 }),
  binaryDense: syntheticBinaryModel(),
  binaryConv: syntheticBinaryModel({ head: "conv" }),
  ffn: syntheticFfnModel(),
};

describe("model format v1 round trip", () => {
  for (const [name, model] of Object.entries(models)) {
    it(`${name}: decode(encode(m)) == m`, () => {
      const bytes = encodeModel(model);
      expect(decodeModel(bytes)).toEqual(model);
      expect(encodeModel(decodeModel(bytes))).toEqual(bytes);
    });
  }

  it("starts with magic and version, stores its length, ends with the SHA-256 of the rest", async () => {
    const { createHash } = await import("node:crypto");
    const bytes = encodeModel(models.int8);
    expect(bytes.slice(0, 8)).toEqual([0x45, 0x53, 0x48, 0x54, 1, 0, 0, 0]);
    expect(Buffer.from(bytes.slice(8, 12)).readUInt32LE(0)).toBe(bytes.length);
    const digest = createHash("sha256")
      .update(Buffer.from(bytes.slice(0, -32)))
      .digest();
    expect(bytes.slice(-32)).toEqual([...digest]);
  });

  it("stores sub-8-bit weights at their width (file shrinks with the bit width)", () => {
    const weightBytes = (m: typeof models.int8) =>
      m.tensors
        .filter((t) => t.name.endsWith(".w"))
        .reduce((s, t) => s + storedBytes(t.dtype, t.bits, t.shape), 0);
    const w8 = weightBytes(models.int8);
    expect(weightBytes(models.int4) * 2).toBeLessThanOrEqual(w8 + 8);
    expect(weightBytes(models.int2) * 4).toBeLessThanOrEqual(w8 + 16);
    expect(encodeModel(models.int4).length).toBeLessThan(encodeModel(models.int8).length);
  });
});
