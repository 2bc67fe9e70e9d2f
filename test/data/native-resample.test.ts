/**
 * The resampler's loop in the native addon (host/native/c/resample.c) gives the TS loop's
 * float32 output bit for bit: speed perturbation's ratios, file-rate conversions up and down,
 * signals shorter than the filter; a malformed tap table is refused.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { changeSpeed, SPEED_ZERO_CROSSINGS } from "../../host/data/augment";
import { resample } from "../../host/data/resample";
import { padOrTrim } from "../../host/data/wav/read";
import { loadNative } from "../../host/native/load";

const REPO = join(import.meta.dirname, "..", "..");
// Cached after the first build; exits 0 (and these tests skip) without a compiler.
execFileSync(join(REPO, "deploy", "native.sh"), { stdio: "pipe" });
const status = loadNative();
const addon = status.addon;
if (addon === null) console.warn(`native resampler tests SKIPPED: ${status.reason}`);

function signal(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, (_, i) => {
    s = (s * 1103515245 + 12345) >>> 0;
    return 0.5 * Math.sin(i * 0.013 * (1 + seed)) + 0.2 * (s / 2 ** 32 - 0.5);
  });
}

const same = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe.skipIf(addon === null)("native resampler", () => {
  it.each([
    [14400, 16000, SPEED_ZERO_CROSSINGS], // speed 0.9
    [17600, 16000, SPEED_ZERO_CROSSINGS], // speed 1.1
    [16100, 16000, SPEED_ZERO_CROSSINGS],
    [44100, 16000, undefined], // a 44.1 kHz file
    [8000, 16000, undefined], // an 8 kHz file
    [16000, 22050, undefined],
  ])("%i -> %i Hz (%s zero crossings): the TS loop's output bit for bit", (from, to, zeros) => {
    for (const [n, seed] of [
      [16000, 1],
      [997, 2],
      [5, 3],
    ]) {
      const x = signal(n, seed);
      const opts = { zeroCrossings: zeros };
      const ts = resample(x, from, to, { ...opts, native: false });
      const c = resample(x, from, to, opts);
      expect(same(c, ts), `${n} samples`).toBe(true);
      expect(ts.length).toBe(Math.ceil((n * to) / from));
    }
  });

  it("speed perturbation through the addon equals the TS resampler's", () => {
    const x = signal(16000, 9);
    for (const factor of [0.9, 0.95, 1.05, 1.1]) {
      const from = 100 * Math.round(160 * factor);
      const ts = resample(x, from, 16000, { zeroCrossings: SPEED_ZERO_CROSSINGS, native: false });
      const got = changeSpeed(x, factor);
      expect(same(got, padOrTrim(ts, x.length, "center")), `factor ${factor}`).toBe(true);
      expect(same(got, x)).toBe(false);
    }
  });

  it("refuses a tap table that is not up x 2 half values", () => {
    expect(() =>
      addon?.resamplePolyphase(
        new Float32Array(100),
        new Float32Array(90),
        new Float64Array(17),
        10,
        11,
        1,
      ),
    ).toThrow(/taps must hold up x 2 half values/);
  });
});
