/**
 * Issue 13 made fresh augmentation cheaper without changing what it computes: the fast warp must
 * equal its plain pre-issue-13 form (test/data/reference/) and the FFT convolution a direct sum,
 * to float rounding on a speech-like clip; gain and the reverb mix their formulas; the fast
 * trigonometry Math's. The resampler's change (four partial sums) is covered by
 * test/data/resample.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  type AugmentConfig,
  Augmenter,
  applyGainDb,
  applyReverb,
  syntheticImpulseResponse,
} from "../../host/data/augment";
import { convolve } from "../../host/data/convolve";
import { atan2, polarInto, round } from "../../host/data/fast-trig";
import { Rng } from "../../host/data/rng";
import { vtlpWarp } from "../../host/data/voice-warp";
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

/** x * h in full (x.length + h.length - 1 samples), summed term by term. */
function directConvolve(x: Float32Array, h: Float32Array): Float32Array {
  const y = new Float64Array(x.length + h.length - 1);
  for (let k = 0; k < h.length; k++) for (let i = 0; i < x.length; i++) y[i + k] += h[k] * x[i];
  return Float32Array.from(y);
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

  it("gain is a product, clipped at ±1", () => {
    const g = 10 ** (5.5 / 20);
    const want = x.map((v) => Math.max(-1, Math.min(1, v * g)));
    expect(maxAbsDiff(applyGainDb(x, 5.5), want)).toBe(0);
  });

  it("reverb: convolution and mix", () => {
    for (const rt60 of [0.1, 0.35, 0.6]) {
      const ir = syntheticImpulseResponse(rt60, new Rng(9));
      const y = directConvolve(x, ir);
      expect(maxAbsDiff(convolve(x, ir), y)).toBeLessThan(1e-6);
      const mixed = x.map((v, i) => Math.max(-1, Math.min(1, 0.6 * v + 0.4 * y[i])));
      expect(maxAbsDiff(applyReverb(x, ir, 0.4), mixed)).toBeLessThan(1e-6);
    }
  });

  it("the whole augmenter with every stage on is deterministic per seed and keeps length", () => {
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
    const aug = new Augmenter(config, noise, N, [speechLike(5), speechLike(6)]);
    for (let seed = 0; seed < 6; seed++) {
      const a = aug.apply(x, new Rng(seed));
      expect(a.length).toBe(N);
      // Another clip in between: reused buffers must not carry over.
      aug.apply(speechLike(7), new Rng(100 + seed));
      expect(Array.from(aug.apply(x, new Rng(seed)))).toEqual(Array.from(a));
    }
  });
});
