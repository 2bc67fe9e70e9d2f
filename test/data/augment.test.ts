import { describe, expect, it } from "vitest";
import {
  Augmenter,
  applyGainDb,
  applyReverb,
  changeSpeed,
  mixAtSnr,
  power,
  syntheticImpulseResponse,
  TF_AUGMENT,
  timeShift,
} from "../../host/data/augment";
import { convolve } from "../../host/data/convolve";
import { resample } from "../../host/data/resample";
import { Rng } from "../../host/data/rng";
import { padOrTrim } from "../../host/data/wav/read";
import { FrontEnd, MFCC_30_10_40 } from "../../shared/features";
import { tone } from "./wav-fixtures";

const N = 16000;
const noiseBank = [
  Float32Array.from(
    { length: 3 * N },
    (
      (r) => () =>
        r.normal() * 0.2
    )(new Rng(99)),
  ),
];

/** A 100 ms burst of tone centred at sample `at`. */
function burst(at: number): Float32Array {
  const x = new Float32Array(N);
  const t = tone(700, N, 1600, 0.4);
  x.set(t, at - 800);
  return x;
}

function energyCentroid(x: Float32Array): number {
  let s = 0;
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    s += x[i] * x[i];
    m += i * x[i] * x[i];
  }
  return m / s;
}

const db = (p: number, q: number) => 10 * Math.log10(p / q);

function zeroCrossingFrequency(x: Float32Array, from: number, to: number): number {
  const cross: number[] = [];
  for (let i = from + 1; i < to; i++)
    if (x[i - 1] < 0 && x[i] >= 0) cross.push(i - 1 + x[i - 1] / (x[i - 1] - x[i]));
  return ((cross.length - 1) * N) / (cross[cross.length - 1] - cross[0]);
}

describe("augmentation primitives", () => {
  it("timeShift moves the energy by the shift and fills with zeros", () => {
    const x = burst(8000);
    expect(energyCentroid(timeShift(x, 1200))).toBeCloseTo(energyCentroid(x) + 1200, 0);
    expect(energyCentroid(timeShift(x, -1600))).toBeCloseTo(energyCentroid(x) - 1600, 0);
    const late = timeShift(x, 1200);
    expect(late.subarray(0, 1200).every((v) => v === 0)).toBe(true);
    expect(timeShift(x, N).every((v) => v === 0)).toBe(true);
  });

  it("mixAtSnr gives the requested SNR within 0.5 dB", () => {
    const x = tone(440, N, N, 0.1);
    for (const snr of [-5, 0, 10, 20, 30]) {
      const y = mixAtSnr(x, noiseBank[0], snr);
      const added = y.map((v, i) => v - x[i]);
      expect(Math.abs(db(power(x), power(added)) - snr)).toBeLessThan(0.5);
    }
  });

  it("applyGainDb scales by 10^(dB/20) and clips", () => {
    const x = Float32Array.from([0.1, -0.2, 0.6]);
    const y = applyGainDb(x, 6);
    expect(y[0]).toBeCloseTo(0.1 * 10 ** 0.3, 5);
    expect(y[2]).toBe(1);
  });

  it("changeSpeed by 1.1 raises a tone by 10% and keeps the length", () => {
    const x = tone(1000, N, N, 0.5);
    const y = changeSpeed(x, 1.1);
    expect(y.length).toBe(N);
    expect(zeroCrossingFrequency(y, 2000, 12000)).toBeCloseTo(1100, 0);
    expect(zeroCrossingFrequency(changeSpeed(x, 0.9), 2000, 12000)).toBeCloseTo(900, 0);
  });

  it("changeSpeed's shorter resampling filter leaves the MFCCs as the full one does", () => {
    // Harmonics up to 7.8 kHz with a slow vibrato, so every band and the droop region are fed.
    const x = new Float32Array(N);
    for (let h = 1; h * 130 < 7800; h++)
      for (let i = 0; i < N; i++)
        x[i] += (0.3 / h) * Math.sin((2 * Math.PI * h * 130 * i) / N + 3 * Math.sin(i / 900) + h);
    const fe = new FrontEnd(MFCC_30_10_40);
    const mfcc = (a: Float32Array) => fe.extract(a).data;
    for (const factor of [0.9, 1.1]) {
      const from = Math.round(160 * factor) * (N / 160);
      const full = mfcc(padOrTrim(resample(x, from, N), N, "center"));
      const short = mfcc(changeSpeed(x, factor));
      const plain = mfcc(x);
      let diff = 0;
      let effect = 0;
      for (let i = 0; i < full.length; i++) {
        diff += Math.abs(short[i] - full[i]);
        effect += Math.abs(full[i] - plain[i]);
      }
      expect(diff / effect).toBeLessThan(0.005);
    }
  });

  it("the synthetic impulse response decays 60 dB over rt60 and reverb adds a tail", () => {
    const ir = syntheticImpulseResponse(0.3, new Rng(1));
    expect(ir.length).toBe(4800);
    expect(ir[0]).toBe(1);
    const e = (a: number, b: number) => power(ir.subarray(a, b));
    expect(db(e(100, 580), e(4320, 4800))).toBeGreaterThan(40);
    const click = new Float32Array(N);
    click[1000] = 0.5;
    const wet = applyReverb(click, ir, 0.5);
    expect(power(wet.subarray(1200, 5800))).toBeGreaterThan(0);
    expect(click.subarray(1001).every((v) => v === 0)).toBe(true); // input untouched
  });

  it("FFT convolution equals direct convolution", () => {
    const r = new Rng(4);
    const x = Float32Array.from({ length: 300 }, () => r.normal());
    const h = Float32Array.from({ length: 37 }, () => r.normal());
    const y = convolve(x, h);
    expect(y.length).toBe(336);
    for (let n = 0; n < y.length; n++) {
      let s = 0;
      for (let k = 0; k < h.length; k++) if (n - k >= 0 && n - k < x.length) s += h[k] * x[n - k];
      expect(y[n]).toBeCloseTo(s, 3);
    }
  });
});

describe("Augmenter", () => {
  const everything = new Augmenter(
    {
      timeShiftMs: 100,
      noise: { probability: 1, snrDb: [5, 15] },
      gainDb: [-6, 6],
      speed: [0.9, 1.1],
      reverb: { probability: 1, rt60Ms: [100, 400], wet: [0.1, 0.5] },
    },
    noiseBank,
  );

  it("is deterministic under the seed, differs across seeds, leaves the input alone", () => {
    const x = burst(8000);
    const copy = Float32Array.from(x);
    const a = everything.apply(x, new Rng(1));
    const b = everything.apply(x, new Rng(1));
    const c = everything.apply(x, new Rng(2));
    expect(a.length).toBe(N);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(x)).toEqual(Array.from(copy));
    for (const v of a) expect(Math.abs(v)).toBeLessThanOrEqual(1);
  });

  it("TF defaults shift within ±100 ms and add noise to about 80% of clips at volume <= 0.1", () => {
    const aug = new Augmenter(TF_AUGMENT, noiseBank);
    const x = burst(8000);
    const base = energyCentroid(x);
    let noisy = 0;
    const rng = new Rng(3);
    for (let i = 0; i < 200; i++) {
      const y = aug.apply(x, rng);
      // Noise fills the zero-padded edges; its level bounds the volume (noise std 0.2).
      const edge = power(y.subarray(0, 400));
      if (edge > 0) noisy++;
      expect(Math.sqrt(edge)).toBeLessThan(0.1 * 0.2 * 1.2);
      if (edge === 0) expect(Math.abs(energyCentroid(y) - base)).toBeLessThanOrEqual(1600.5);
    }
    expect(noisy / 200).toBeGreaterThan(0.7);
    expect(noisy / 200).toBeLessThan(0.9);
  });

  it("SNR mode yields the drawn SNR within 0.5 dB", () => {
    const aug = new Augmenter({ noise: { probability: 1, snrDb: [12, 12] } }, noiseBank);
    const x = tone(300, N, N, 0.2);
    const y = aug.apply(x, new Rng(8));
    const added = y.map((v, i) => v - x[i]);
    expect(Math.abs(db(power(x), power(added)) - 12)).toBeLessThan(0.5);
  });

  it("falls back to the volume mode for a silent clip and skips noise without a bank", () => {
    const aug = new Augmenter(
      { noise: { probability: 1, snrDb: [10, 10], volume: [0.5, 0.5] } },
      noiseBank,
    );
    expect(power(aug.apply(new Float32Array(N), new Rng(1)))).toBeGreaterThan(0);
    const none = new Augmenter({ noise: { probability: 1, volume: [0.5, 0.5] } });
    expect(power(none.apply(new Float32Array(N), new Rng(1)))).toBe(0);
  });

  it("rejects bad ranges", () => {
    expect(() => new Augmenter({ speed: [1.1, 0.9] })).toThrow(/speed/);
    expect(() => new Augmenter({ noise: { probability: 1, volume: [-1, 0] } })).toThrow(/volume/);
  });
});
