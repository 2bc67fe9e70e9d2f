import { convolve } from "./convolve";
import { drawBands, equalize, type RandomEqConfig } from "./equalizer";
import { resample } from "./resample";
import type { Rng } from "./rng";
import { vtlpWarp } from "./voice-warp";
import { padOrTrim, TARGET_RATE } from "./wav/read";

/**
 * Training-time augmentation of 1 s clips. Each transform is a pure function over Float32Array
 * (new array out, input untouched); an `Augmenter` is configured once and draws every random
 * choice from the `Rng` passed per clip, so a run is reproducible under its seed.
 *
 * Order, as in TensorFlow's speech_commands pipeline with the extra options slotted in before
 * the mix: speed -> vocal tract warp -> equaliser -> gain -> time shift -> reverb -> babble ->
 * background noise -> clip to [-1, 1].
 */

function clamp(x: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v > 1) x[i] = 1;
    else if (v < -1) x[i] = -1;
  }
  return x;
}

/** Mean square of `x`. */
export function power(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s / Math.max(1, x.length);
}

/** Moves the audio `shift` samples later (negative: earlier), filling with zeros. */
export function timeShift(x: Float32Array, shift: number): Float32Array {
  const out = new Float32Array(x.length);
  const s = Math.trunc(shift);
  if (Math.abs(s) >= x.length) return out;
  if (s >= 0) out.set(x.subarray(0, x.length - s), s);
  else out.set(x.subarray(-s));
  return out;
}

/** Multiplies by `db` decibels of gain, clipping to [-1, 1]. */
export function applyGainDb(x: Float32Array, db: number): Float32Array {
  const g = 10 ** (db / 20);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * g;
  return clamp(out);
}

/** `x + volume * noise` (noise at least as long as x), clipped: TensorFlow's mix. */
export function mixNoise(x: Float32Array, noise: Float32Array, volume: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + volume * noise[i];
  return clamp(out);
}

/** The noise gain that makes 10 log10(P(x) / P(g * noise)) equal `snrDb`; 0 when either is silent. */
export function noiseGainForSnr(x: Float32Array, noise: Float32Array, snrDb: number): number {
  const ps = power(x);
  const pn = power(noise.subarray(0, x.length));
  if (ps === 0 || pn === 0) return 0;
  return Math.sqrt(ps / (pn * 10 ** (snrDb / 10)));
}

/** Mixes `noise` in at signal-to-noise ratio `snrDb` (clip power over the whole clip). */
export function mixAtSnr(x: Float32Array, noise: Float32Array, snrDb: number): Float32Array {
  return mixNoise(x, noise, noiseGainForSnr(x, noise, snrDb));
}

/**
 * Sinc zero crossings of the speed perturbation's resampler: half of `resample`'s default, so
 * half the taps per output sample (speed is the largest stage of an augmented clip once the warp
 * is in the filter bank).
 * The MFCCs of the result differ from the 16-crossing one by ~0.02% of what the speed change
 * itself does to them (test/data/augment.test.ts), since the shorter filter's droop lies near
 * Nyquist, above the front end's 4 kHz top filter.
 */
export const SPEED_ZERO_CROSSINGS = 8;

/**
 * Speed perturbation by resampling: `factor` > 1 plays faster (shorter, higher pitch), < 1
 * slower; tempo and pitch move together, as in Kaldi's speed perturbation. The result is fitted
 * back to x.length, centred, so the word stays near where it was. `rate` must be a multiple of 160.
 */
export function changeSpeed(x: Float32Array, factor: number, rate = TARGET_RATE): Float32Array {
  if (!(factor > 0)) throw new RangeError(`speed factor must be > 0 (got ${factor})`);
  // The factor is rounded to a multiple of 1/160 so the rate ratio keeps few polyphase phases
  // (and their tables are cached): 0.625% steps, far finer than the perturbation itself.
  const from = (rate / 160) * Math.round(160 * factor);
  if (from === rate) return Float32Array.from(x);
  return padOrTrim(
    resample(x, from, rate, { zeroCrossings: SPEED_ZERO_CROSSINGS }),
    x.length,
    "center",
  );
}

/**
 * A synthetic room impulse response: a unit direct path, then exponentially decaying Gaussian
 * noise (60 dB down after `rt60` seconds) starting after a short pre-delay, truncated at rt60.
 * The tail is scaled to unit energy so `wet` alone sets how reverberant the result sounds.
 */
export function syntheticImpulseResponse(rt60: number, rng: Rng, rate = TARGET_RATE): Float32Array {
  const len = Math.max(2, Math.round(rt60 * rate));
  const ir = new Float32Array(len);
  const predelay = Math.min(len - 1, Math.round(0.005 * rate));
  const decay = Math.log(1000) / (rt60 * rate); // amplitude falls 60 dB over rt60
  let energy = 0;
  // exp(-decay i) by one multiply per sample (its relative error grows ~1e-16 per step).
  const step = Math.exp(-decay);
  let envelope = Math.exp(-decay * predelay);
  for (let i = predelay; i < len; i++) {
    ir[i] = rng.normal() * envelope;
    energy += ir[i] * ir[i];
    envelope *= step;
  }
  const g = energy > 0 ? 1 / Math.sqrt(energy) : 0;
  for (let i = predelay; i < len; i++) ir[i] *= g;
  ir[0] = 1;
  return ir;
}

/** Convolves with `ir` and blends: (1 - wet) * x + wet * (x * ir), same length as x, clipped. */
export function applyReverb(x: Float32Array, ir: Float32Array, wet: number): Float32Array {
  const y = convolve(x, ir);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (1 - wet) * x[i] + wet * y[i];
  return clamp(out);
}

/** A random window of `n` samples from a random recording of the bank (zero-padded if short). */
export function cutNoise(bank: readonly Float32Array[], n: number, rng: Rng): Float32Array {
  const rec = rng.pick(bank);
  if (rec.length <= n) return padOrTrim(rec, n);
  const at = rng.int(rec.length - n + 1);
  return rec.slice(at, at + n);
}

export interface NoiseMixConfig {
  /** Chance a clip gets noise (TensorFlow: 0.8). */
  probability: number;
  /** Volume mode (TensorFlow's): the noise window times a volume uniform in [lo, hi]. */
  volume?: [number, number];
  /** SNR mode: noise scaled to an SNR uniform in [lo, hi] dB; wins over `volume` when both set. */
  snrDb?: [number, number];
}

/** Where the vocal tract warp is applied (AugmentConfig.vtlpDomain). */
export const VTLP_DOMAINS = ["audio", "filterbank"] as const;
export type VtlpDomain = (typeof VTLP_DOMAINS)[number];

export interface AugmentConfig {
  /** Maximum time shift either way, ms (TensorFlow: 100); 0 disables. */
  timeShiftMs?: number;
  noise?: NoiseMixConfig | null;
  /** Gain in dB drawn uniformly from [lo, hi]. */
  gainDb?: [number, number] | null;
  /** Speed factor drawn uniformly from [lo, hi], e.g. [0.9, 1.1]. */
  speed?: [number, number] | null;
  reverb?: {
    probability: number;
    /** Reverberation time range, ms. */
    rt60Ms: [number, number];
    /** Wet fraction range, in [0, 1]. */
    wet: [number, number];
  } | null;
  /** Vocal tract length perturbation: warp factor alpha drawn uniformly from [lo, hi]. */
  vtlp?: [number, number] | null;
  /**
   * Where the warp is applied when features are made (`Augmenter.applyForFeatures`): "audio"
   * (default) resynthesises the warped spectrum (./voice-warp.ts); "filterbank" leaves the audio
   * alone and reads the mel filters at warped frequencies (./vtlp-filterbank.ts): an augmented
   * clip costs about half the CPU, but the int8 recipe lost 7.6 points on held-out speakers with
   * it (models/README.md). `apply` (audio out) always warps the audio.
   */
  vtlpDomain?: VtlpDomain;
  /** Random peaking-EQ bands and band-stops. */
  eq?: RandomEqConfig | null;
  /**
   * Babble: other people's words under the clip (from the Augmenter's babble bank: clips of
   * non-keywords, so no keyword is ever planted under another label).
   */
  babble?: {
    probability: number;
    /** Number of talkers, drawn uniformly from [lo, hi]. */
    talkers: [number, number];
    /** Clip-to-babble SNR range, dB. */
    snrDb: [number, number];
  } | null;
}

/** TensorFlow speech_commands training defaults: ±100 ms shift, noise at p = 0.8, volume U(0, 0.1). */
export const TF_AUGMENT: AugmentConfig = {
  timeShiftMs: 100,
  noise: { probability: 0.8, volume: [0, 0.1] },
};

function checkRange(name: string, r: [number, number] | null | undefined, lo = -Infinity): void {
  if (r && !(r[0] <= r[1] && r[0] >= lo && Number.isFinite(r[0]) && Number.isFinite(r[1])))
    throw new RangeError(`augment: ${name} must be a finite [lo, hi] range (got ${r})`);
}

export class Augmenter {
  /**
   * `noiseBank`: background noise recordings at 16 kHz to cut from (e.g. the train region of
   * each `_background_noise_` file); noise mixing is skipped when it is empty.
   */
  constructor(
    readonly config: AugmentConfig,
    readonly noiseBank: readonly Float32Array[] = [],
    readonly rate = TARGET_RATE,
    /** Clips of non-keyword speech to make babble from; babble is skipped when empty. */
    readonly babbleBank: readonly Float32Array[] = [],
  ) {
    checkRange("gainDb", config.gainDb);
    checkRange("speed", config.speed, Number.MIN_VALUE);
    checkRange("noise.volume", config.noise?.volume, 0);
    checkRange("noise.snrDb", config.noise?.snrDb);
    checkRange("reverb.rt60Ms", config.reverb?.rt60Ms, 1);
    checkRange("reverb.wet", config.reverb?.wet, 0);
    checkRange("vtlp", config.vtlp, Number.MIN_VALUE);
    checkRange("babble.talkers", config.babble?.talkers, 1);
    checkRange("babble.snrDb", config.babble?.snrDb);
    checkRange("eq.bands", config.eq?.bands, 0);
    if ((config.timeShiftMs ?? 0) < 0) throw new RangeError("augment: timeShiftMs must be >= 0");
  }

  /** One augmented copy of `clip` (same length); all randomness comes from `rng`. */
  apply(clip: Float32Array, rng: Rng): Float32Array {
    return this.run(clip, rng, false).audio;
  }

  /**
   * The same draws as `apply`, for a front end to take features of: with `vtlpDomain:
   * "filterbank"` the audio is left unwarped and `warp` is the factor its filter bank must apply
   * (1 otherwise).
   */
  applyForFeatures(clip: Float32Array, rng: Rng): { audio: Float32Array; warp: number } {
    return this.run(clip, rng, this.config.vtlpDomain === "filterbank");
  }

  private run(
    clip: Float32Array,
    rng: Rng,
    deferWarp: boolean,
  ): { audio: Float32Array; warp: number } {
    const c = this.config;
    let x = clip;
    let warp = 1;
    if (c.speed) x = changeSpeed(x, rng.uniform(c.speed[0], c.speed[1]), this.rate);
    if (c.vtlp) {
      const alpha = rng.uniform(c.vtlp[0], c.vtlp[1]);
      if (deferWarp) warp = alpha;
      else x = vtlpWarp(x, alpha, this.rate);
    }
    if (c.eq && rng.next() < c.eq.probability) x = equalize(x, drawBands(c.eq, rng), this.rate);
    if (c.gainDb) x = applyGainDb(x, rng.uniform(c.gainDb[0], c.gainDb[1]));
    const maxShift = Math.round(((c.timeShiftMs ?? 0) * this.rate) / 1000);
    if (maxShift > 0) x = timeShift(x, rng.int(2 * maxShift + 1) - maxShift);
    if (c.reverb && rng.next() < c.reverb.probability) {
      const rt60 = rng.uniform(c.reverb.rt60Ms[0], c.reverb.rt60Ms[1]) / 1000;
      const ir = syntheticImpulseResponse(rt60, rng, this.rate);
      x = applyReverb(x, ir, rng.uniform(c.reverb.wet[0], c.reverb.wet[1]));
    }
    if (
      c.babble &&
      this.babbleBank.length > 0 &&
      rng.next() < c.babble.probability &&
      power(x) > 0
    ) {
      const b = c.babble;
      const talkers = b.talkers[0] + rng.int(b.talkers[1] - b.talkers[0] + 1);
      const babble = new Float32Array(x.length);
      for (let t = 0; t < talkers; t++) {
        // Each talker at a random offset, wrapping, so the words fall anywhere in the window.
        const v = rng.pick(this.babbleBank);
        const off = rng.int(x.length);
        for (let i = 0; i < x.length && i < v.length; i++) babble[(i + off) % x.length] += v[i];
      }
      if (power(babble) > 0) x = mixAtSnr(x, babble, rng.uniform(b.snrDb[0], b.snrDb[1]));
    }
    if (c.noise && this.noiseBank.length > 0 && rng.next() < c.noise.probability) {
      const noise = cutNoise(this.noiseBank, x.length, rng);
      // SNR is undefined for a silent clip (a silence example): fall back to the volume mode.
      if (c.noise.snrDb && power(x) > 0)
        x = mixAtSnr(x, noise, rng.uniform(c.noise.snrDb[0], c.noise.snrDb[1]));
      else if (c.noise.volume)
        x = mixNoise(x, noise, rng.uniform(c.noise.volume[0], c.noise.volume[1]));
    }
    return { audio: x === clip ? Float32Array.from(clip) : x, warp };
  }
}
