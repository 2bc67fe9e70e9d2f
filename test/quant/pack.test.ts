import { describe, expect, it } from "vitest";
import { Rng } from "../../host/data/rng";
import { popcount32, toInt32 } from "../../shared/portable/int";
import { xnorDot } from "../../shared/quant/binary";
import {
  packBits,
  packedByteLength,
  packSigns,
  signedMax,
  signedMin,
  unpackBits,
  unpackSigns,
  wordsPerRow,
} from "../../shared/quant/pack";

describe("integer bit packing", () => {
  it("round-trips random values at every width, signed and unsigned", () => {
    const rng = new Rng(5);
    for (const bits of [2, 4, 5, 8, 16, 32]) {
      for (const signed of [true, false]) {
        const lo = signed ? signedMin(bits) : 0;
        const hi = signed ? signedMax(bits) : 2 ** bits - 1;
        for (const n of [1, 7, 8, 9, 33, 100]) {
          const values = Array.from({ length: n }, () => lo + rng.int(hi - lo + 1));
          values[0] = lo;
          values[n - 1] = hi;
          const bytes = packBits(values, bits, signed);
          expect(bytes.length).toBe(packedByteLength(n, bits));
          const out = new Array<number>(n).fill(0);
          unpackBits([9, ...bytes], 1, n, bits, signed, out);
          expect(out, `${bits} bits, n=${n}`).toEqual(values);
        }
      }
    }
  });

  it("lays fields out little-endian, LSB first (annotated bytes)", () => {
    // 4-bit: [1, -1, 7, -8] -> 0x1 | 0xF<<4 = 0xF1, 0x7 | 0x8<<4 = 0x87
    expect(packBits([1, -1, 7, -8], 4, true)).toEqual([0xf1, 0x87]);
    // 5-bit: [1, 2, 3] -> bits 00001 00010 00011 -> 0b01000001 = 0x41, 0b00001100 = 0x0c
    expect(packBits([1, 2, 3], 5, true)).toEqual([0x41, 0x0c]);
    // 2-bit: [-2, -1, 0, 1] -> 10 11 00 01 (LSB first) = 0b01001110 = 0x4e
    expect(packBits([-2, -1, 0, 1], 2, true)).toEqual([0x4e]);
  });

  it("rejects values that do not fit", () => {
    expect(() => packBits([8], 4, true)).toThrow(/does not fit/);
    expect(() => packBits([-17], 5, true)).toThrow(/does not fit/);
    expect(() => packBits([0.5], 8, true)).toThrow(/does not fit/);
  });
});

describe("binary packing and XNOR dot", () => {
  it("packs 32 per word with bit 1 = +1, rows starting new words", () => {
    const signs = [1, -1, -1, 1, ...new Array(28).fill(-1), 1];
    const words = packSigns(signs, 1, 33);
    expect(words).toEqual([0b1001, 1]);
    const all = packSigns(new Array(32).fill(1), 1, 32);
    expect(all).toEqual([-1]);
    expect(wordsPerRow(33)).toBe(2);
  });

  it("round-trips and computes the ±1 dot product exactly", () => {
    const rng = new Rng(9);
    for (let trial = 0; trial < 300; trial++) {
      const ch = 1 + rng.int(100);
      const a = Array.from({ length: ch }, () => (rng.next() < 0.5 ? -1 : 1));
      const b = Array.from({ length: ch }, () => (rng.next() < 0.5 ? -1 : 1));
      const pa = packSigns(a, 1, ch);
      const pb = packSigns(b, 1, ch);
      const back = new Array<number>(ch).fill(0);
      unpackSigns(pa, 1, ch, back);
      expect(back).toEqual(a);
      const want = a.reduce((s, v, i) => s + v * b[i], 0);
      expect(xnorDot(pa, 0, pb, 0, ch)).toBe(want);
    }
  });

  it("popcount32 and toInt32 agree with native integer semantics", () => {
    const rng = new Rng(1);
    for (let i = 0; i < 5000; i++) {
      const u = rng.uint32();
      const naive = u
        .toString(2)
        .split("")
        .filter((c) => c === "1").length;
      expect(popcount32(u | 0)).toBe(naive);
      const x = Math.round(rng.uniform(-1, 1) * 2 ** 52);
      expect(toInt32(x)).toBe(Number(BigInt.asIntN(32, BigInt(x))));
    }
  });
});
