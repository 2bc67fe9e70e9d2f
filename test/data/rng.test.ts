import { describe, expect, it } from "vitest";
import { Rng } from "../../host/data/rng";

describe("Rng", () => {
  it("is reproducible under a seed and differs across seeds", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 8 }, () => a.uint32());
    expect(Array.from({ length: 8 }, () => b.uint32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.uint32())).not.toEqual(sa);
  });

  it("draws uniform values with the right mean and normals with unit variance", () => {
    const r = new Rng(1);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    let u = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
      u += r.next();
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
    expect(Math.abs(u / n - 0.5)).toBeLessThan(0.01);
  });
});
