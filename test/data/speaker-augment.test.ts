/**
 * The speaker-diversity augmentations (issue 10): vocal tract warp, random equaliser, babble.
 * Each keeps the clip's length, is a function of the seed, and does what it says to a tone.
 */
import { describe, expect, it } from "vitest";
import { Augmenter, power } from "../../host/data/augment";
import { drawBands, equalize } from "../../host/data/equalizer";
import { Rng } from "../../host/data/rng";
import { vtlpFrequency, vtlpWarp } from "../../host/data/voice-warp";
import { tone } from "./wav-fixtures";

const N = 16000;

/** Frequency (Hz) of the largest DFT bin of x[from, from + 4096), by a direct DFT scan. */
function peakHz(x: Float32Array, lo: number, hi: number): number {
  const n = 4096;
  const from = 6000;
  let best = 0;
  let bestHz = 0;
  for (let hz = lo; hz <= hi; hz += 4) {
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      const w = (2 * Math.PI * hz * i) / N;
      re += x[from + i] * Math.cos(w);
      im += x[from + i] * Math.sin(w);
    }
    const p = re * re + im * im;
    if (p > best) {
      best = p;
      bestHz = hz;
    }
  }
  return bestHz;
}

describe("vocal tract length perturbation", () => {
  it("alpha = 1 gives the clip back to rounding", () => {
    const x = tone(440, N, N, 0.3);
    const y = vtlpWarp(x, 1);
    expect(y.length).toBe(N);
    let err = 0;
    for (let i = 0; i < N; i++) err = Math.max(err, Math.abs(x[i] - y[i]));
    expect(err).toBeLessThan(1e-6);
  });

  it("moves a 1 kHz tone to alpha kHz and keeps the length", () => {
    const x = tone(1000, N, N, 0.3);
    for (const alpha of [0.9, 1.1]) {
      const y = vtlpWarp(x, alpha);
      expect(y.length).toBe(N);
      expect(Math.abs(peakHz(y, 700, 1300) - 1000 * alpha)).toBeLessThanOrEqual(40);
    }
  });

  it("the warp is continuous, increasing and ends at Nyquist", () => {
    for (const alpha of [0.85, 1, 1.15]) {
      let prev = -1;
      for (let f = 0; f <= 8000; f += 50) {
        const g = vtlpFrequency(f, alpha);
        expect(g).toBeGreaterThan(prev);
        prev = g;
      }
      expect(vtlpFrequency(8000, alpha)).toBeCloseTo(8000, 6);
    }
    expect(() => vtlpWarp(new Float32Array(10), 0)).toThrow(/alpha/);
  });
});

describe("random equaliser", () => {
  it("a peaking band boosts a tone at its centre by its gain and leaves a far tone alone", () => {
    const at = tone(1000, N, N, 0.1);
    const far = tone(6000, N, N, 0.1);
    const band = [{ hz: 1000, gainDb: 6, q: 1 }];
    const gain = (x: Float32Array) =>
      10 * Math.log10(power(equalize(x, band).subarray(4000)) / power(x.subarray(4000)));
    expect(gain(at)).toBeCloseTo(6, 1);
    expect(Math.abs(gain(far))).toBeLessThan(0.5);
    expect(() => equalize(at, [{ hz: 9000, gainDb: 1, q: 1 }])).toThrow(/hz/);
  });

  it("draws its band count and gains within the configured ranges", () => {
    const rng = new Rng(3);
    const cfg = { probability: 1, bands: [1, 3] as [number, number], maxGainDb: 6, bandStop: 0 };
    for (let k = 0; k < 50; k++) {
      const bands = drawBands(cfg, rng);
      expect(bands.length).toBeGreaterThanOrEqual(1);
      expect(bands.length).toBeLessThanOrEqual(3);
      for (const b of bands) {
        expect(Math.abs(b.gainDb)).toBeLessThanOrEqual(6);
        expect(b.hz).toBeGreaterThanOrEqual(100);
        expect(b.hz).toBeLessThanOrEqual(6000);
      }
    }
  });
});

describe("babble", () => {
  const word = tone(300, N, 4000, 0.3);
  const clip = tone(1200, N, N, 0.2);
  const cfg = {
    babble: {
      probability: 1,
      talkers: [1, 3] as [number, number],
      snrDb: [10, 10] as [number, number],
    },
  };

  it("mixes bank speech at the drawn SNR, seeded, same length", () => {
    const aug = new Augmenter(cfg, [], N, [word]);
    const a = aug.apply(clip, new Rng(5));
    const b = aug.apply(clip, new Rng(5));
    expect(a.length).toBe(N);
    expect(Array.from(a)).toEqual(Array.from(b));
    const added = a.map((v, i) => v - clip[i]);
    expect(10 * Math.log10(power(clip) / power(added))).toBeCloseTo(10, 1);
  });

  it("adds nothing without a bank", () => {
    const y = new Augmenter(cfg, [], N, []).apply(clip, new Rng(5));
    expect(Array.from(y)).toEqual(Array.from(clip));
  });
});

describe("the augmenter with every speaker augmentation", () => {
  it("keeps the length, stays in [-1, 1] and is deterministic under the seed", () => {
    const aug = new Augmenter(
      {
        vtlp: [0.9, 1.1],
        eq: { probability: 1, bands: [1, 3], maxGainDb: 6, bandStop: 1 },
        babble: { probability: 1, talkers: [1, 2], snrDb: [5, 20] },
      },
      [],
      N,
      [tone(500, N, 8000, 0.5)],
    );
    const x = tone(800, N, N, 0.9);
    const a = aug.apply(x, new Rng(1));
    expect(a.length).toBe(N);
    expect(Array.from(a)).toEqual(Array.from(aug.apply(x, new Rng(1))));
    expect(Array.from(a)).not.toEqual(Array.from(aug.apply(x, new Rng(2))));
    for (const v of a) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    expect(() => new Augmenter({ vtlp: [1.1, 0.9] })).toThrow(/vtlp/);
  });
});
