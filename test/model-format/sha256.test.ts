import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256, toHex } from "../../shared/portable/sha256";

describe("portable sha256", () => {
  it("matches node:crypto on lengths around block boundaries and random data", () => {
    for (const len of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4097]) {
      const buf = randomBytes(len);
      const want = createHash("sha256").update(buf).digest("hex");
      expect(toHex(sha256(Array.from(buf))), `length ${len}`).toBe(want);
    }
  });

  it("hashes a sub-range without copying", () => {
    const buf = randomBytes(300);
    const want = createHash("sha256").update(buf.subarray(10, 250)).digest("hex");
    expect(toHex(sha256(Array.from(buf), 10, 250))).toBe(want);
  });

  it("known vector: abc", () => {
    expect(toHex(sha256([0x61, 0x62, 0x63]))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});
