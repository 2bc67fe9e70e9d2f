import { describe, expect, it } from "vitest";
import { resample } from "../../host/data/resample";
import { tone } from "./wav-fixtures";

/** Magnitude of the DFT of x at frequency f (Hz), normalised to a sine's amplitude. */
function amplitudeAt(x: Float32Array, f: number, rate: number, from = 0, to = x.length): number {
  let re = 0;
  let im = 0;
  for (let i = from; i < to; i++) {
    re += x[i] * Math.cos((2 * Math.PI * f * i) / rate);
    im -= x[i] * Math.sin((2 * Math.PI * f * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / (to - from);
}

/** Frequency estimated from upward zero crossings (interpolated) over the interior. */
function zeroCrossingFrequency(x: Float32Array, rate: number): number {
  const cross: number[] = [];
  for (let i = 200; i < x.length - 200; i++) {
    if (x[i - 1] < 0 && x[i] >= 0) cross.push(i - 1 + x[i - 1] / (x[i - 1] - x[i]));
  }
  return ((cross.length - 1) * rate) / (cross[cross.length - 1] - cross[0]);
}

describe("resample", () => {
  for (const from of [44100, 8000, 22050, 48000]) {
    it(`a 1 kHz tone at ${from} Hz stays a 1 kHz tone of the same amplitude at 16 kHz`, () => {
      const x = tone(1000, from, from); // 1 s
      const y = resample(x, from, 16000);
      expect(y.length).toBe(16000);
      expect(zeroCrossingFrequency(y, 16000)).toBeCloseTo(1000, 1);
      expect(amplitudeAt(y, 1000, 16000, 500, 15500)).toBeCloseTo(0.5, 2);
    });
  }

  it("output length is ceil(n * to / from)", () => {
    expect(resample(new Float32Array(1001), 44100, 16000).length).toBe(
      Math.ceil((1001 * 16000) / 44100),
    );
    expect(resample(new Float32Array(3), 8000, 16000).length).toBe(6);
  });

  it("removes content above the new Nyquist instead of aliasing it (44.1k -> 16k)", () => {
    // 10 kHz would alias to 6 kHz; a naive decimator keeps it at full strength.
    const y = resample(tone(10000, 44100, 44100), 44100, 16000);
    expect(amplitudeAt(y, 6000, 16000, 500, 15500)).toBeLessThan(0.5 * 1e-3);
  });

  it("passes DC with unit gain and equal rates unchanged", () => {
    const y = resample(new Float32Array(4410).fill(0.25), 44100, 16000);
    for (let i = 100; i < y.length - 100; i++) expect(y[i]).toBeCloseTo(0.25, 5);
    const x = tone(300, 16000, 100);
    expect(Array.from(resample(x, 16000, 16000))).toEqual(Array.from(x));
  });

  it("rejects non-integer or non-positive rates", () => {
    expect(() => resample(new Float32Array(4), 0, 16000)).toThrow(RangeError);
    expect(() => resample(new Float32Array(4), 44100.5, 16000)).toThrow(RangeError);
  });
});
