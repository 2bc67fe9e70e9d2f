/**
 * Issue 13 made fresh augmentation cheaper without changing what it computes: each fast stage
 * must equal the pre-issue-13 implementation (test/data/reference/) to float rounding on a
 * speech-like clip, and the fast trigonometry must equal Math's.
 */
import { describe, expect, it } from "vitest";
import {
  type AugmentConfig,
  Augmenter,
  applyGainDb,
  applyReverb,
  changeSpeed,
  syntheticImpulseResponse,
  timeShift,
} from "../../host/data/augment";
import { convolve } from "../../host/data/convolve";
import { atan2, polarInto, round } from "../../host/data/fast-trig";
import { Rng } from "../../host/data/rng";
import { vtlpWarp } from "../../host/data/voice-warp";
import * as ref from "./reference/augment";
import { convolve as refConvolve } from "./reference/convolve";
import { vtlpWarp as refVtlpWarp } from "./reference/voice-warp";

const N = 16000;

/**
 * A 1 s clip like a recorded word: digital silence (exact zeros: the silent-bin phase case),
 * a voiced stretch whose pitch glides with five harmonics under an envelope, a noise burst, and
 * a near-silent tail of low-level noise.
 */
function speechLike(seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(N);
  let phase = 0;
  for (let i = 3000; i < 11000; i++) {
    const f0 = 110 + 60 * ((i - 3000) / 8000) + 10 * rng.next();
    phase += (2 * Math.PI * f0) / N;
    const env = Math.sin((Math.PI * (i - 3000)) / 8000);
    let v = 0;
    for (let h = 1; h <= 5; h++) v += Math.sin(h * phase) / h;
    x[i] = 0.3 * env * v;
  }
  for (let i = 11000; i < 12500; i++) x[i] = 0.1 * rng.normal();
  for (let i = 12500; i < N; i++) x[i] = 1e-4 * rng.normal();
  return x;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}

describe("fast trigonometry", () => {
  it("atan2 equals Math.atan2 to 1e-15, and exactly on zeros, infinities and NaN", () => {
    const rng = new Rng(1);
    let err = 0;
    for (let k = 0; k < 20000; k++) {
      const y = (rng.next() - 0.5) * 10 ** (4 * rng.next() - 2);
      const x = (rng.next() - 0.5) * 10 ** (4 * rng.next() - 2);
      err = Math.max(err, Math.abs(atan2(y, x) - Math.atan2(y, x)));
    }
    expect(err).toBeLessThan(1e-15);
    for (const y of [0, -0, 1, -1, Infinity, -Infinity, Number.NaN])
      for (const x of [0, -0, 1, -1, Infinity, -Infinity, Number.NaN])
        expect(Object.is(atan2(y, x), Math.atan2(y, x))).toBe(true);
  });

  it("round equals Math.round, halves and the largest double below 0.5 included", () => {
    const cases = [0.5, 1.5, 2.5, -1.5, -2.5, 0.49999999999999994, 3.7, -3.7, 1e9 + 0.5, 7, -7];
    const rng = new Rng(2);
    for (let k = 0; k < 1000; k++) cases.push((rng.next() - 0.5) * 200);
    for (const v of cases) expect(round(v) === Math.round(v)).toBe(true);
    // The one difference: +0 where Math.round gives -0.
    expect(Object.is(round(-0.3), 0)).toBe(true);
  });

  it("polarInto equals m cos and m sin to 1e-15 over three turns either way", () => {
    const re = new Float64Array(1);
    const im = new Float64Array(1);
    let err = 0;
    for (let a = -3 * 2 * Math.PI; a <= 3 * 2 * Math.PI; a += 0.000731) {
      polarInto(0.7, a, re, im, 0);
      err = Math.max(err, Math.abs(re[0] - 0.7 * Math.cos(a)), Math.abs(im[0] - 0.7 * Math.sin(a)));
    }
    expect(err).toBeLessThan(1e-15);
  });
});

describe("fast augmentation stages equal the reference", () => {
  const x = speechLike(3);

  it("vocal tract warp: same output to 1e-5 for alpha across the recipe's range", () => {
    for (const alpha of [0.9, 0.93, 0.97, 1, 1.02, 1.06, 1.1]) {
      expect(maxAbsDiff(vtlpWarp(x, alpha), refVtlpWarp(x, alpha))).toBeLessThan(1e-5);
    }
  });

  it("vocal tract warp: alpha = 1 returns the input", () => {
    expect(maxAbsDiff(vtlpWarp(x, 1), x)).toBeLessThan(1e-6);
  });

  it("a warp of one clip does not leak into the next (reused buffers)", () => {
    const other = speechLike(4);
    const first = vtlpWarp(other, 1.05);
    vtlpWarp(x, 0.91);
    vtlpWarp(new Float32Array(4000).fill(0.1), 0.95);
    expect(Array.from(vtlpWarp(other, 1.05))).toEqual(Array.from(first));
  });

  it("speed perturbation, gain and shift", () => {
    for (const f of [0.9, 0.95, 0.99, 1, 1.04, 1.1])
      expect(maxAbsDiff(changeSpeed(x, f), ref.changeSpeed(x, f))).toBeLessThan(1e-6);
    expect(maxAbsDiff(applyGainDb(x, 5.5), ref.applyGainDb(x, 5.5))).toBe(0);
    for (const s of [-1600, -3, 0, 700])
      expect(maxAbsDiff(timeShift(x, s), ref.timeShift(x, s))).toBe(0);
  });

  it("reverb: impulse response, convolution and mix", () => {
    for (const rt60 of [0.1, 0.35, 0.6]) {
      const ir = syntheticImpulseResponse(rt60, new Rng(9));
      expect(maxAbsDiff(ir, ref.syntheticImpulseResponse(rt60, new Rng(9)))).toBeLessThan(1e-6);
      expect(maxAbsDiff(convolve(x, ir), refConvolve(x, ir))).toBeLessThan(1e-6);
      expect(maxAbsDiff(applyReverb(x, ir, 0.4), ref.applyReverb(x, ir, 0.4))).toBeLessThan(1e-6);
    }
  });

  it("the whole augmenter with every stage on: same clip per seed to 1e-5, deterministic", () => {
    const config: AugmentConfig = {
      timeShiftMs: 100,
      noise: { probability: 0.8, snrDb: [0, 20] },
      gainDb: [-6, 6],
      speed: [0.9, 1.1],
      reverb: { probability: 0.5, rt60Ms: [100, 600], wet: [0.1, 0.6] },
      vtlp: [0.9, 1.1],
      babble: { probability: 0.5, talkers: [1, 3], snrDb: [5, 20] },
    };
    const noise = [Float32Array.from({ length: 3 * N }, (_, i) => 0.2 * Math.sin(i * 1.3) ** 3)];
    const bank = [speechLike(5), speechLike(6)];
    const fast = new Augmenter(config, noise, N, bank);
    const slow = new ref.Augmenter(config, noise, N, bank);
    for (let seed = 0; seed < 12; seed++) {
      const a = fast.apply(x, new Rng(seed));
      expect(maxAbsDiff(a, slow.apply(x, new Rng(seed)))).toBeLessThan(1e-5);
      expect(Array.from(fast.apply(x, new Rng(seed)))).toEqual(Array.from(a));
    }
  });
});
