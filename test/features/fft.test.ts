import { describe, expect, it } from "vitest";
import { Rng } from "../../host/data/rng";
import { RealFft } from "../../shared/features/fft";

/** |X[k]|^2 by the O(N^2) definition, with Math.cos/sin. */
function naivePower(x: number[]): number[] {
  const n = x.length;
  const out: number[] = [];
  for (let k = 0; k <= n / 2; k++) {
    let re = 0;
    let im = 0;
    for (let j = 0; j < n; j++) {
      re += x[j] * Math.cos((2 * Math.PI * k * j) / n);
      im -= x[j] * Math.sin((2 * Math.PI * k * j) / n);
    }
    out.push(re * re + im * im);
  }
  return out;
}

describe("RealFft", () => {
  it.each([4, 8, 64, 512, 1024])("power spectrum of N=%i matches the DFT definition", (n) => {
    const rng = new Rng(n);
    const x: number[] = [];
    for (let i = 0; i < n; i++) x.push(rng.uniform(-1, 1));
    const power: number[] = new Array(n / 2 + 1).fill(0);
    new RealFft(n).powerSpectrum(x, power);
    const ref = naivePower(x);
    const scale = Math.max(...ref);
    for (let k = 0; k <= n / 2; k++)
      expect(Math.abs(power[k] - ref[k]) / scale).toBeLessThan(1e-12);
  });

  it("puts a bin-centred cosine in its own bin", () => {
    const n = 512;
    const x: number[] = [];
    for (let i = 0; i < n; i++) x.push(Math.cos((2 * Math.PI * 37 * i) / n));
    const power: number[] = new Array(n / 2 + 1).fill(0);
    new RealFft(n).powerSpectrum(x, power);
    expect(power[37]).toBeCloseTo((n / 2) ** 2, 6);
    for (let k = 0; k <= n / 2; k++) if (k !== 37) expect(power[k]).toBeLessThan(1e-18 * n * n);
  });

  it("rejects sizes that are not powers of two", () => {
    expect(() => new RealFft(48)).toThrow(/power of two/);
  });
});
