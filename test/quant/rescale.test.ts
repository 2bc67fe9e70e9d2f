import { describe, expect, it } from "vitest";
import { decomposeMultiplier, multiplierValue } from "../../host/compress/quant-params";
import { Rng } from "../../host/data/rng";
import {
  divRoundHalfAway,
  requantize,
  rescale,
  roundHalfAwayFromZero,
  SHIFT_MAX,
  SHIFT_MIN,
} from "../../shared/quant/rescale";

/** floor((acc * mult + 2^(shift-1)) / 2^shift) in BigInt: the definition. */
function bigRescale(acc: number, mult: number, shift: number): number {
  const n = BigInt(acc) * BigInt(mult) + (1n << BigInt(shift - 1));
  const d = 1n << BigInt(shift);
  let q = n / d;
  if (n % d !== 0n && n < 0n) q -= 1n;
  return Number(q);
}

describe("rescale (round half up, exact)", () => {
  it("equals the BigInt definition on random and extreme operands", () => {
    const rng = new Rng(11);
    const accs = [0, 1, -1, 2 ** 36 - 1, -(2 ** 36 - 1), 2 ** 31 - 1, -(2 ** 31)];
    const mults = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31 - 1), 2 ** 30, 65535, 65536];
    const cases: [number, number, number][] = [];
    for (const a of accs)
      for (const m of mults) for (const s of [SHIFT_MIN, 31, 40, SHIFT_MAX]) cases.push([a, m, s]);
    for (let i = 0; i < 20000; i++) {
      const a = Math.round(rng.uniform(-1, 1) * 2 ** rng.int(37));
      const m = Math.round(rng.uniform(-1, 1) * 2 ** rng.int(32));
      cases.push([
        Math.max(-(2 ** 36 - 1), Math.min(2 ** 36 - 1, a)),
        Math.max(-(2 ** 31 - 1), Math.min(2 ** 31 - 1, m)),
        SHIFT_MIN + rng.int(SHIFT_MAX - SHIFT_MIN + 1),
      ]);
    }
    for (const [a, m, s] of cases) {
      expect(rescale(a, m, s), `rescale(${a}, ${m}, ${s})`).toBe(bigRescale(a, m, s));
    }
  });

  it("rounds exact halves up (toward +infinity), table", () => {
    // mult * 2^-shift = 0.5: acc * 0.5
    const half = { m: 2 ** 30, s: 31 };
    const table: [number, number][] = [
      [1, 1], // 0.5 -> 1
      [-1, 0], // -0.5 -> 0
      [3, 2], // 1.5 -> 2
      [-3, -1], // -1.5 -> -1
      [4, 2],
      [-4, -2],
    ];
    for (const [acc, want] of table) expect(rescale(acc, half.m, half.s)).toBe(want);
  });

  it("requantize adds the zero point and saturates to the activation range", () => {
    const m = 2 ** 30;
    expect(requantize(1000, m, 31, 5, -128, 127)).toBe(127);
    expect(requantize(-1000, m, 31, 5, -128, 127)).toBe(-128);
    expect(requantize(10, m, 31, 5, -128, 127)).toBe(10);
    expect(requantize(-30, m, 31, 0, 0, 127)).toBe(0); // fused ReLU
  });
});

describe("multiplier decomposition (host)", () => {
  it("represents reals to 31 significant bits within the shift range", () => {
    const rng = new Rng(3);
    for (let i = 0; i < 2000; i++) {
      const real = (rng.next() < 0.5 ? -1 : 1) * 2 ** rng.uniform(-30, 13.9);
      const q = decomposeMultiplier(real);
      expect(Math.abs(q.mult)).toBeGreaterThanOrEqual(2 ** 30);
      expect(Math.abs(q.mult)).toBeLessThan(2 ** 31);
      expect(q.shift).toBeGreaterThanOrEqual(SHIFT_MIN);
      expect(q.shift).toBeLessThanOrEqual(SHIFT_MAX);
      expect(Math.abs(multiplierValue(q) - real) / Math.abs(real)).toBeLessThan(2 ** -30);
    }
  });

  it("handles zero, tiny and too-large multipliers", () => {
    expect(decomposeMultiplier(0)).toEqual({ mult: 0, shift: SHIFT_MAX });
    const tiny = decomposeMultiplier(2 ** -40);
    expect(tiny.shift).toBe(SHIFT_MAX);
    expect(multiplierValue(tiny)).toBe(2 ** -40);
    expect(() => decomposeMultiplier(2 ** 14)).toThrow(/too large/);
    expect(decomposeMultiplier(1)).toEqual({ mult: 2 ** 30, shift: 30 });
  });
});

describe("rounding helpers", () => {
  it("roundHalfAwayFromZero", () => {
    const table: [number, number][] = [
      [0.5, 1],
      [-0.5, -1],
      [1.5, 2],
      [2.5, 3],
      [-2.5, -3],
      [0.49999999999999994, 0],
      [2.4, 2],
      [-2.6, -3],
      [0, 0],
    ];
    for (const [x, want] of table) expect(roundHalfAwayFromZero(x), `${x}`).toBe(want);
  });

  it("divRoundHalfAway matches the rounded real quotient", () => {
    for (let sum = -300; sum <= 300; sum++) {
      for (const count of [1, 2, 3, 4, 7, 9]) {
        const q = sum / count;
        const want = Math.sign(q) * Math.floor(Math.abs(q) + 0.5);
        expect(divRoundHalfAway(sum, count), `${sum}/${count}`).toBe(want === 0 ? 0 : want);
      }
    }
  });
});
