/**
 * Device images (shared/model-format/image-write.ts, image-read.ts): what the device reads back
 * is exactly what decoding and preparing the model file gives (every float bit for bit), and
 * what is not a whole image of this version is refused with a ModelFormatError naming why.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import {
  syntheticBinaryModel,
  syntheticInt4Model,
  syntheticInt8Model,
  syntheticStreamModel,
} from "../../host/compress/synthetic-models";
import { decodePrepared, plainStorage } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import { ModelFormatError } from "../../shared/model-format/errors";
import { imagePreparedOps } from "../../shared/model-format/image-ops";
import { IMAGE_HEADER_BYTES, readDeviceImage } from "../../shared/model-format/image-read";
import { isDeviceImage, writeDeviceImage } from "../../shared/model-format/image-write";
import type { DeviceModel } from "../../shared/model-format/types";

const REPO = join(__dirname, "../..");
const shipped = (name: string) => Array.from(readFileSync(join(REPO, "models", name)));

const CASES: [string, number[]][] = [
  ["int8", encodeModel(syntheticInt8Model({ seed: 1 }))],
  ["4-bit", encodeModel(syntheticInt4Model({ seed: 2 }))],
  ["binary", encodeModel(syntheticBinaryModel({ seed: 3 }))],
  ["export-like stream", encodeModel(syntheticStreamModel({ seed: 4, exportLike: true }))],
  ["shipped kws12-int8", shipped("kws12-int8.esm")],
  ["shipped kws12-binary", shipped("kws12-binary.esm")],
];

const read = (image: ArrayLike<number>) => readDeviceImage(Array.from(image), plainStorage);

/** The reader's refusal reason for `image`. */
function refusal(image: number[]): string {
  try {
    read(image);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFormatError);
    return (e as ModelFormatError).reason;
  }
  throw new Error("the image was read");
}

describe("device images", () => {
  it.each(CASES)("%s: reads back as the decoded, prepared model file", (_name, bytes) => {
    const image = writeDeviceImage(bytes);
    expect(isDeviceImage(image)).toBe(true);
    expect(isDeviceImage(bytes)).toBe(false);
    const want = decodePrepared(bytes);
    const got = read(image);
    // isDeepStrictEqual compares numbers with Object.is: every float must come back bit for bit.
    expect(isDeepStrictEqual(got.model, want.model)).toBe(true);
    expect(isDeepStrictEqual(imagePreparedOps(got.model, got.rows), want.ops)).toBe(true);
    expect(got.plan).toBeNull();
  });

  it("keeps floats exact that decimal text would not (subnormal, -0, 0.1 + 0.2, huge)", () => {
    const m: DeviceModel = syntheticInt8Model({ seed: 9 });
    const odd = [5e-324, -0, 0.1 + 0.2, 1.7976931348623157e308, 2 ** -1074 * 3, 1 / 3];
    m.meta = [...m.meta, ...odd.map((value, i) => ({ key: `odd.${i}`, value }))];
    const got = read(writeDeviceImage(encodeModel(m))).model.meta;
    for (let i = 0; i < odd.length; i++)
      expect(Object.is(got.find((kv) => kv.key === `odd.${i}`)?.value, odd[i])).toBe(true);
  });

  it("refuses a model the host check refuses, with the decoder's reason", () => {
    const bytes = encodeModel(syntheticInt8Model({ seed: 1 }));
    bytes[bytes.length - 1] ^= 1;
    expect(() => writeDeviceImage(bytes)).toThrow(/SHA-256 mismatch/);
  });

  it("refuses what is not a whole image of this version", () => {
    const image = Array.from(writeDeviceImage(encodeModel(syntheticInt8Model({ seed: 1 }))));
    expect(refusal(shipped("kws12-int8.esm"))).toMatch(/not an earshot device image/);
    expect(refusal(image.slice(0, 10))).toMatch(/truncated device image/);
    expect(refusal(image.slice(0, image.length - 1))).toMatch(/its header says/);
    const v2 = image.slice();
    v2[4] = 2;
    expect(refusal(v2)).toMatch(/unknown device image version 2/);
    // A byte of the structure's JSON damaged (the first "[" after the float table).
    const broken = image.slice();
    const floats = image[16] + image[17] * 256;
    broken[IMAGE_HEADER_BYTES + floats * 8] = 0x7b;
    expect(refusal(broken)).toMatch(/structure does not parse/);
  });
});
