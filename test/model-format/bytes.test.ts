import { describe, expect, it } from "vitest";
import {
  ByteReader,
  ByteWriter,
  float64FromWords,
  float64ToWords,
} from "../../shared/model-format/bytes";
import { ModelFormatError } from "../../shared/model-format/errors";

function nativeWords(x: number): number[] {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x, true);
  return [dv.getUint32(4, true), dv.getUint32(0, true)];
}

const specials = [
  0,
  -0,
  1,
  -1,
  0.1,
  1 / 3,
  Math.PI,
  1e-300,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  2.225073858507201e-308,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  1 / 0,
  -1 / 0,
  2 ** 52,
  2 ** 53 + 2,
  123456.789,
  1e308,
];

describe("portable float64 bits", () => {
  it("encodes like DataView on specials and random bit patterns", () => {
    const values = [...specials];
    for (let i = 0; i < 2000; i++) {
      const dv = new DataView(new ArrayBuffer(8));
      dv.setUint32(0, (Math.random() * 2 ** 32) >>> 0);
      dv.setUint32(4, (Math.random() * 2 ** 32) >>> 0);
      const v = dv.getFloat64(0);
      if (!Number.isNaN(v)) values.push(v);
    }
    for (const v of values) {
      expect(float64ToWords(v), `encode ${v}`).toEqual(nativeWords(v));
      const [hi, lo] = nativeWords(v);
      expect(Object.is(float64FromWords(hi, lo), v), `decode ${v}`).toBe(true);
    }
    expect(Number.isNaN(float64FromWords(0x7ff80000, 0))).toBe(true);
    expect(float64ToWords(Number.NaN)).toEqual([0x7ff80000, 0]);
  });

  it("round-trips fields through writer and reader", () => {
    const w = new ByteWriter();
    w.u8(7);
    w.u16(65535);
    w.u32(4294967295);
    w.i32(-2147483648);
    w.f64(-0.125);
    w.str("yes");
    const r = new ByteReader(w.bytes, 0, w.bytes.length);
    expect([r.u8("a"), r.u16("b"), r.u32("c"), r.i32("d"), r.f64("e"), r.str("f")]).toEqual([
      7,
      65535,
      4294967295,
      -2147483648,
      -0.125,
      "yes",
    ]);
    expect(() => r.u8("past end")).toThrow(ModelFormatError);
  });

  it("rejects non-ASCII strings on both sides", () => {
    expect(() => new ByteWriter().str("é")).toThrow();
    const r = new ByteReader([2, 0x41, 0x80], 0, 3);
    expect(() => r.str("label")).toThrow(/non-ASCII byte 128.*at byte 2/);
  });
});
