/**
 * The background a stream's clips are planted into: segments of the background noise recordings,
 * each at its own level, joined with short crossfades. Only each recording's test region
 * (host/data noiseRegion) is used, so a model trained with earshot's noise augmentation — which
 * cuts from the train region — is scored on noise it never heard.
 */
import { noiseRegion, type Rng, type SplitPercents } from "../data";

export interface NoiseSource {
  path: string;
  /** The whole recording at 16 kHz. */
  samples: Float32Array;
}

export interface NoiseBedOptions {
  /** Segment length range, samples. */
  segment: [number, number];
  /** Per-segment RMS range, drawn log-uniformly. */
  rms: [number, number];
  /** Crossfade between segments, samples. */
  fade: number;
}

/** Quiet room to loud appliance; speech planted at -5..+10 dB SNR over it stays below clipping. */
export const NOISE_BED: NoiseBedOptions = {
  segment: [32000, 96000],
  rms: [0.003, 0.03],
  fade: 160,
};

function rmsOf(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, x.length));
}

/**
 * `length` samples of noise bed. Throws when no recording has a usable test region (the caller
 * turns that into a one-line error). Deterministic under `rng`.
 */
export function noiseBed(
  length: number,
  sources: NoiseSource[],
  percents: SplitPercents,
  rng: Rng,
  o: NoiseBedOptions = NOISE_BED,
  /** Which region of each recording: the test one by default; validation for a calibration stream. */
  subset: "validation" | "test" = "test",
): Float32Array {
  const [lo, hi] = noiseRegion(subset, percents);
  const regions = sources
    .map((s) =>
      s.samples.subarray(Math.floor(s.samples.length * lo), Math.floor(s.samples.length * hi)),
    )
    .filter((r) => r.length > 2 * o.fade && rmsOf(r) > 0);
  if (regions.length === 0) throw new Error("no background noise recording has a test region");
  const out = new Float32Array(length);
  const [logLo, logHi] = o.rms.map(Math.log);
  let pos = 0;
  while (pos < length) {
    const region = rng.pick(regions);
    const want = o.segment[0] + rng.int(o.segment[1] - o.segment[0] + 1);
    const n = Math.min(want, region.length);
    const from = rng.int(region.length - n + 1);
    const seg = region.subarray(from, from + n);
    const gain = Math.exp(rng.uniform(logLo, logHi)) / rmsOf(seg);
    // Segments overlap by `fade` samples: linear fade-out of the last under fade-in of the next,
    // so joins do not click (a click is a broadband event a detector may fire on).
    const start = pos === 0 ? 0 : pos - o.fade;
    for (let i = 0; i < n && start + i < length; i++) {
      let w = 1;
      if (i < o.fade && pos > 0) w = i / o.fade;
      else if (i >= n - o.fade) w = (n - i) / o.fade;
      out[start + i] += w * gain * seg[i];
    }
    pos = start + n;
  }
  return out;
}
