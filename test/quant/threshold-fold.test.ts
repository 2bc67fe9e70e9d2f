import { describe, expect, it } from "vitest";
import { type BatchNorm, bnSignFloat, foldBnSign } from "../../host/compress/threshold-fold";
import { Rng } from "../../host/data/rng";
import { thresholdBit } from "../../shared/quant/binary";

describe("BN + sign folded into an integer threshold", () => {
  it("equals the float batch norm + sign on every popcount-derived input", () => {
    const rng = new Rng(21);
    for (let trial = 0; trial < 1000; trial++) {
      const n = 1 + rng.int(300);
      const kind = rng.int(10);
      const bn: BatchNorm = {
        gamma: kind === 0 ? 0 : rng.uniform(-2, 2),
        beta: rng.uniform(-3, 3),
        mean: rng.uniform(-n, n),
        variance: rng.uniform(0, n),
        eps: 1e-3,
      };
      // Boundaries exactly on integers: mean integral, beta 0.
      if (kind === 1) {
        bn.mean = Math.round(bn.mean);
        bn.beta = 0;
      }
      const { thr, dir } = foldBnSign(bn);
      for (let x = -n; x <= n; x += 2) {
        if (thresholdBit(x, thr, dir) !== bnSignFloat(x, bn)) {
          expect.fail(`x=${x} thr=${thr} dir=${dir} ${JSON.stringify(bn)}`);
        }
      }
    }
  });

  it("uses the direction flag for negative gamma and constants for gamma = 0", () => {
    const base = { beta: 0, mean: 0, variance: 1, eps: 0 };
    expect(foldBnSign({ ...base, gamma: 1 })).toEqual({ thr: 0, dir: 1 });
    expect(foldBnSign({ ...base, gamma: -1 })).toEqual({ thr: 0, dir: -1 });
    const always = foldBnSign({ ...base, gamma: 0, beta: 0.1 });
    const never = foldBnSign({ ...base, gamma: 0, beta: -0.1 });
    for (const x of [-1000, 0, 1000]) {
      expect(thresholdBit(x, always.thr, always.dir)).toBe(1);
      expect(thresholdBit(x, never.thr, never.dir)).toBe(0);
    }
  });
});
