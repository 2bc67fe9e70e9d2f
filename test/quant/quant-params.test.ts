import { describe, expect, it } from "vitest";
import {
  activationClamp,
  asymmetricParams,
  quantizeWeightsPerChannel,
  requantMultipliers,
  softmaxLut,
} from "../../host/compress/quant-params";
import { Rng } from "../../host/data/rng";

describe("host quantization parameters", () => {
  it("per-channel symmetric weights: channel max maps to qmax, error within half a step", () => {
    const rng = new Rng(4);
    for (const bits of [2, 4, 5, 8]) {
      for (const last of [false, true]) {
        const ch = 3;
        const per = 7;
        const w = Array.from({ length: ch * per }, () => rng.uniform(-1, 1) * (1 + rng.int(5)));
        const { q, scales } = quantizeWeightsPerChannel(w, ch, last, bits);
        const qmax = 2 ** (bits - 1) - 1;
        const chOf = (i: number) => (last ? i % ch : Math.floor(i / per));
        for (let i = 0; i < w.length; i++) {
          expect(Math.abs(q[i])).toBeLessThanOrEqual(qmax);
          expect(Math.abs(q[i] * scales[chOf(i)] - w[i])).toBeLessThanOrEqual(
            scales[chOf(i)] / 2 + 1e-12,
          );
        }
        for (let c = 0; c < ch; c++)
          expect(Math.max(...q.filter((_, i) => chOf(i) === c).map(Math.abs))).toBe(qmax);
      }
    }
  });

  it("asymmetric activation params represent zero exactly and cover [min, max]", () => {
    for (const [min, max] of [
      [-1, 3],
      [0.5, 2],
      [-4, -1],
      [-6, 6],
    ]) {
      const { scale, zeroPoint } = asymmetricParams(min, max, -128, 127);
      expect(Number.isInteger(zeroPoint)).toBe(true);
      expect(zeroPoint).toBeGreaterThanOrEqual(-128);
      expect(zeroPoint).toBeLessThanOrEqual(127);
      // The range is widened to include 0: an all-positive range puts zero at qmin.
      if (min >= 0) expect(zeroPoint).toBe(-128);
      if (max <= 0) expect(zeroPoint).toBe(127);
      expect((-128 - zeroPoint) * scale).toBeLessThanOrEqual(Math.min(min, 0) + scale);
      expect((127 - zeroPoint) * scale).toBeGreaterThanOrEqual(Math.max(max, 0) - scale);
    }
  });

  it("fused activations become clamp bounds", () => {
    expect(activationClamp("none", 0.1, 3)).toEqual({ actMin: -128, actMax: 127 });
    expect(activationClamp("relu", 0.1, 3)).toEqual({ actMin: 3, actMax: 127 });
    expect(activationClamp("relu6", 0.1, -128)).toEqual({ actMin: -128, actMax: -68 });
    expect(activationClamp({ clip: 2 }, 0.05, -128)).toEqual({ actMin: -128, actMax: -88 });
  });

  it("requant multipliers and the softmax table", () => {
    const { mult, shift } = requantMultipliers(0.1, [0.01, 0.02], 0.05);
    const real = mult.map((m, i) => m * 2 ** -shift[i]);
    expect(Math.abs(real[0] / 0.02 - 1)).toBeLessThan(2 ** -30);
    expect(Math.abs(real[1] / 0.04 - 1)).toBeLessThan(2 ** -30);
    const lut = softmaxLut(0.5);
    expect(lut[0]).toBe(2 ** 30);
    expect(lut[2]).toBe(Math.round(2 ** 30 * Math.exp(-1)));
    expect(lut.length).toBe(256);
  });
});
