/**
 * Vocal tract warp in the mel filter bank (host/data/vtlp-filterbank.ts): alpha = 1 is the
 * plain bank, a warped bank sees a tone where the audio-domain warp would have moved it, its
 * features of a harmonic voice track the audio-domain warp's, and the augmenter defers the warp
 * with the same random draws.
 */
import { describe, expect, it } from "vitest";
import { type AugmentConfig, Augmenter } from "../../host/data/augment";
import { Rng } from "../../host/data/rng";
import { vtlpWarp } from "../../host/data/voice-warp";
import { WarpedMelBanks, warpedMelFilterbank } from "../../host/data/vtlp-filterbank";
import { FeatureCache } from "../../host/train/features";
import { FrontEnd, MFCC_30_10_40 } from "../../shared/features";
import type { FrontEndConfig } from "../../shared/features/config";
import { buildMelFilterbank } from "../../shared/features/mel";
import { tone } from "./wav-fixtures";

const N = 16000;
const CFG: FrontEndConfig = MFCC_30_10_40;
const LFBE: FrontEndConfig = { ...CFG, kind: "lfbe", nCoeffs: CFG.nMels };

/** Mean log mel energies over a clip's frames, through `bank` when given. */
function meanLogMel(x: Float32Array, bank?: ReturnType<typeof warpedMelFilterbank>): number[] {
  const fe = new FrontEnd(LFBE);
  if (bank) fe.mel = bank;
  const f = fe.extract(x);
  const out = new Array<number>(f.coeffs).fill(0);
  for (let t = 0; t < f.frames; t++)
    for (let j = 0; j < f.coeffs; j++) out[j] += f.data[t * f.coeffs + j] / f.frames;
  return out;
}

function argmax(v: number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** A voiced vowel: 120 Hz harmonics under two formant peaks, deterministic. */
function vowel(f0: number): Float32Array {
  const x = new Float32Array(N);
  for (let h = 1; h * f0 < 7800; h++) {
    const f = h * f0;
    const env = Math.exp(-(((f - 700) / 150) ** 2)) + 0.6 * Math.exp(-(((f - 1800) / 250) ** 2));
    const a = 0.02 + env;
    for (let i = 0; i < N; i++) x[i] += 0.05 * a * Math.sin((2 * Math.PI * f * i) / N + h);
  }
  return x;
}

describe("vocal tract warp in the filter bank", () => {
  it("alpha = 1 is the plain filter bank", () => {
    const plain = buildMelFilterbank(CFG.sampleRate, CFG.fftSize, CFG.nMels, CFG.fMin, CFG.fMax);
    const one = warpedMelFilterbank(CFG, 1);
    expect(one.start).toEqual(plain.start);
    expect(one.count).toEqual(plain.count);
    expect(one.offset).toEqual(plain.offset);
    for (let i = 0; i < plain.weights.length; i++)
      expect(one.weights[i]).toBeCloseTo(plain.weights[i], 12);
  });

  it("a warped bank hears a 1 kHz tone where the plain bank hears alpha kHz", () => {
    for (const alpha of [0.9, 1.1]) {
      const warped = meanLogMel(tone(1000, N, N, 0.3), warpedMelFilterbank(CFG, alpha));
      const moved = meanLogMel(tone(1000 * alpha, N, N, 0.3));
      expect(argmax(warped)).toBe(argmax(moved));
      expect(argmax(warped)).not.toBe(argmax(meanLogMel(tone(1000, N, N, 0.3))));
    }
  });

  it("tracks the audio-domain warp on a harmonic voice", () => {
    const x = vowel(120);
    const plain = meanLogMel(x);
    for (const alpha of [0.9, 1.1]) {
      const bank = meanLogMel(x, warpedMelFilterbank(CFG, alpha));
      const audio = meanLogMel(vtlpWarp(x, alpha));
      let toAudio = 0;
      let toPlain = 0;
      for (let m = 0; m < plain.length; m++) {
        toAudio += Math.abs(bank[m] - audio[m]) / plain.length;
        toPlain += Math.abs(plain[m] - audio[m]) / plain.length;
      }
      // The two warps agree far better than either agrees with no warp at all.
      expect(toAudio).toBeLessThan(0.5 * toPlain);
    }
  });

  it("keeps one bank per rounded factor", () => {
    const banks = new WarpedMelBanks(CFG);
    expect(banks.get(0.95)).toBe(banks.get(0.9502));
    expect(banks.get(0.95)).not.toBe(banks.get(0.96));
    expect(() => warpedMelFilterbank(CFG, 0)).toThrow(/alpha/);
  });

  it("the augmenter defers the warp with the same draws, and the cache applies it", () => {
    const base: AugmentConfig = { vtlp: [0.9, 1.1], gainDb: [-6, 6], timeShiftMs: 100 };
    const clip = vowel(140);
    const inAudio = new Augmenter(base);
    const inBank = new Augmenter({ ...base, vtlpDomain: "filterbank" });
    const r1 = new Rng(5);
    const r2 = new Rng(5);
    const a = inAudio.applyForFeatures(clip, r1);
    const b = inBank.applyForFeatures(clip, r2);
    expect(a.warp).toBe(1);
    expect(b.warp).toBeGreaterThanOrEqual(0.9);
    expect(b.warp).toBeLessThanOrEqual(1.1);
    expect(r1.next()).toBe(r2.next());
    // `apply` always warps the audio, whatever the domain.
    expect(inBank.apply(clip, new Rng(5))).toEqual(inAudio.apply(clip, new Rng(5)));

    const cache = new FeatureCache(CFG, null);
    const feats = cache.augmented(clip, inBank, new Rng(5));
    expect(feats).toEqual(cache.compute(b.audio, b.warp));
    expect(feats).not.toEqual(cache.compute(b.audio));
    // The plain bank is back in place afterwards.
    expect(cache.compute(clip)).toEqual(Float32Array.from(new FrontEnd(CFG).extract(clip).data));
  });
});
