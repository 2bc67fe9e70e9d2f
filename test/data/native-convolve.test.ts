/**
 * The reverb's FFT convolution in the native addon (host/native/c/convolve.c) gives the TS
 * convolution's float32 output bit for bit, for room responses of the recipe's lengths and for
 * short inputs on small plans; sizes that do not fit the plans are refused.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyReverb, Rng, syntheticImpulseResponse } from "../../host/data";
import { convolve } from "../../host/data/convolve";
import { loadNative } from "../../host/native/load";

const REPO = join(import.meta.dirname, "..", "..");
// Cached after the first build; exits 0 (and these tests skip) without a compiler.
execFileSync(join(REPO, "deploy", "native.sh"), { stdio: "pipe" });
const status = loadNative();
const addon = status.addon;
if (addon === null) console.warn(`native convolution tests SKIPPED: ${status.reason}`);

const same = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe.skipIf(addon === null)("native convolution", () => {
  it("room responses of 0.1-0.6 s on a 1 s clip: the TS output bit for bit", () => {
    const rng = new Rng(3);
    const x = Float32Array.from(
      { length: 16000 },
      (_, i) => 0.3 * Math.sin(i * 0.05) + 0.01 * Math.sin(i * 1.7),
    );
    for (const rt60 of [0.1, 0.3, 0.6]) {
      const ir = syntheticImpulseResponse(rt60, rng);
      const ts = convolve(x, ir, { native: false });
      expect(same(convolve(x, ir), ts), `rt60 ${rt60}`).toBe(true);
      expect(ts.length).toBe(x.length + ir.length - 1);
    }
    // applyReverb takes the same path.
    const ir = syntheticImpulseResponse(0.2, rng);
    const wet = applyReverb(x, ir, 0.4);
    expect(wet.length).toBe(x.length);
    expect(same(wet, x)).toBe(false);
  });

  it.each([
    [5, 3],
    [100, 7],
    [3, 2],
    [2, 2],
  ])("a %i x %i convolution on a small plan: bit for bit", (nx, nh) => {
    const x = Float32Array.from({ length: nx }, (_, i) => i - 1.5);
    const h = Float32Array.from({ length: nh }, (_, i) => 1 / (i + 1));
    expect(same(convolve(x, h), convolve(x, h, { native: false }))).toBe(true);
  });

  it("refuses an output that does not fit the plan", () => {
    const t = new Float64Array(16);
    expect(() =>
      addon?.convolveReal(
        new Float32Array(5),
        new Float32Array(5),
        new Float32Array(12),
        t,
        new Int32Array(8),
        2,
        new Float64Array(8),
        new Int32Array(4),
        1,
        new Float64Array(4),
        new Float64Array(4),
      ),
    ).toThrow(/sizes do not fit the plans/);
  });
});
