// Mixup: each example is a convex mix of itself and one partner, its target the same mix of the
// two labels (smoothed as the hard loss smooths), its own label the larger share; the draws are
// seeded; Beta(alpha, alpha) has its mean and variance.
import { describe, expect, it } from "vitest";
import { Rng } from "../../host/data/rng";
import { betaSample, gammaSample, mixupBatch } from "../../host/train/mixup";

function batch(n: number, size: number) {
  const x = new Float32Array(n * size);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) * 3 + (i % 7);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 4);
  return { x, labels };
}

describe("mixup", () => {
  it("mixes each example with one partner, and its target alike", () => {
    const n = 16;
    const size = 10;
    const classes = 5;
    const smoothing = 0.1;
    const { x, labels } = batch(n, size);
    const before = x.slice();
    const targets = mixupBatch(x, labels, classes, 0.4, smoothing, new Rng(3));
    let mixed = 0;
    for (let i = 0; i < n; i++) {
      const xi = x.subarray(i * size, (i + 1) * size);
      const own = before.subarray(i * size, (i + 1) * size);
      // Some partner j and one lam >= 0.5 explain all `size` values of the row.
      let found = false;
      for (let j = 0; j < n && !found; j++) {
        const other = before.subarray(j * size, (j + 1) * size);
        const d = own[0] - other[0];
        const lam = Math.abs(d) < 1e-6 ? 1 : (xi[0] - other[0]) / d;
        if (lam < 0.5 - 1e-5 || lam > 1 + 1e-5) continue;
        if (!own.every((v, k) => Math.abs(lam * v + (1 - lam) * other[k] - xi[k]) < 1e-4)) continue;
        found = true;
        const row = Array.from(targets.subarray(i * classes, (i + 1) * classes));
        expect(row.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
        const want = Array.from({ length: classes }, () => smoothing / classes);
        want[labels[i]] += (1 - smoothing) * lam;
        want[labels[j]] += (1 - smoothing) * (1 - lam);
        for (let c = 0; c < classes; c++) expect(row[c]).toBeCloseTo(want[c], 3);
        if (lam < 0.999) mixed++;
      }
      expect(found, `example ${i}`).toBe(true);
    }
    // Beta(0.4, 0.4) puts most of its mass away from 1: most examples really are mixed.
    expect(mixed).toBeGreaterThan(n / 2);
  });

  it("draws the same mixes from the same seed, others from another", () => {
    const a = batch(8, 6);
    const b = batch(8, 6);
    const c = batch(8, 6);
    const ta = mixupBatch(a.x, a.labels, 4, 0.2, 0, new Rng(9));
    const tb = mixupBatch(b.x, b.labels, 4, 0.2, 0, new Rng(9));
    const tc = mixupBatch(c.x, c.labels, 4, 0.2, 0, new Rng(10));
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(ta)).toEqual(Array.from(tb));
    expect(Array.from(a.x)).not.toEqual(Array.from(c.x));
    expect(Array.from(tc)).not.toEqual(Array.from(ta));
  });

  it("refuses a bad alpha and a batch whose size does not divide", () => {
    const { x, labels } = batch(4, 3);
    expect(() => mixupBatch(x, labels, 4, 0, 0, new Rng(1))).toThrow(/positive number \(got 0\)/);
    expect(() => mixupBatch(x.subarray(1), labels, 4, 0.2, 0, new Rng(1))).toThrow(
      /11 feature values for 4 examples/,
    );
  });

  it("samples Gamma and Beta with their moments", () => {
    const rng = new Rng(5);
    const n = 20000;
    for (const shape of [0.2, 1, 3.5]) {
      let s = 0;
      for (let i = 0; i < n; i++) s += gammaSample(rng, shape);
      // Gamma(k, 1): mean k, standard error sqrt(k / n).
      expect(Math.abs(s / n - shape)).toBeLessThan(5 * Math.sqrt(shape / n));
    }
    for (const alpha of [0.2, 2]) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const v = betaSample(rng, alpha, alpha);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        s += v;
        s2 += v * v;
      }
      const mean = s / n;
      const variance = s2 / n - mean * mean;
      expect(mean).toBeCloseTo(0.5, 1);
      // Beta(a, a): variance 1 / (4 (2a + 1)).
      expect(variance).toBeCloseTo(1 / (4 * (2 * alpha + 1)), 2);
    }
  });
});
