import type { Dataset, SkippedFile } from "./dataset";
import type { Split } from "./split";
import { type Example, noiseRegion } from "./task";
import { CLIP_SAMPLES, padOrTrim, readWav, WavError } from "./wav/read";

/**
 * Turns task examples into audio: exactly `CLIP_SAMPLES` (16,000) mono samples at 16 kHz in
 * [-1, 1]. Background noise recordings are decoded once and kept, since silence examples and
 * noise augmentation cut from them over and over.
 */

function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, x.length));
}

export class ClipLoader {
  private readonly noise = new Map<string, Float32Array>();

  constructor(readonly length: number = CLIP_SAMPLES) {}

  /** A whole background noise recording at 16 kHz (decoded once, then cached). */
  noiseRecording(path: string): Float32Array {
    let x = this.noise.get(path);
    if (!x) {
      x = readWav(path).samples;
      this.noise.set(path, x);
    }
    return x;
  }

  /** Audio of one example; throws `WavError` if its file cannot be read. */
  load(ex: Example): Float32Array {
    if (ex.kind === "file") return padOrTrim(readWav(ex.path).samples, this.length);
    const out = new Float32Array(this.length);
    if (!ex.noise) return out;
    const rec = this.noiseRecording(ex.noise.path);
    out.set(rec.subarray(ex.noise.offset, ex.noise.offset + this.length));
    const r = rms(out);
    if (r > 0) {
      const g = ex.rms / r;
      for (let i = 0; i < out.length; i++) out[i] = Math.max(-1, Math.min(1, out[i] * g));
    }
    return out;
  }
}

const shared = new ClipLoader();

/** `ClipLoader.load` on a shared loader: exactly 16,000 samples. */
export function loadClip(ex: Example): Float32Array {
  return shared.load(ex);
}

/**
 * The background noise a subset may use for augmentation: the `noiseRegion` of each recording
 * (train: the first 80% by default), so validation/test noise is never heard in training.
 */
export function noiseBank(
  dataset: Dataset,
  split: Split,
  loader: ClipLoader = shared,
): Float32Array[] {
  const [lo, hi] = noiseRegion(split, dataset.percents);
  return dataset.noise.map((f) => {
    const rec = loader.noiseRecording(f.path);
    return rec.subarray(Math.floor(rec.length * lo), Math.floor(rec.length * hi));
  });
}

/** A subset's audio in one block: row i (CLIP_SAMPLES long) is `examples[i]`. */
export interface LoadedSplit {
  /** n x CLIP_SAMPLES samples, row-major. */
  audio: Float32Array;
  labels: Int32Array;
  examples: Example[];
  /** Examples whose file could not be decoded after all (dropped from the block). */
  failed: SkippedFile[];
}

/**
 * Decodes every example of a subset into one contiguous block, e.g. to compute features once.
 * A file that fails to decode is dropped and listed in `failed`; other errors propagate.
 */
export function loadSplit(
  examples: readonly Example[],
  opts: { loader?: ClipLoader; onProgress?: (done: number, total: number) => void } = {},
): LoadedSplit {
  const loader = opts.loader ?? shared;
  const n = loader.length;
  const audio = new Float32Array(examples.length * n);
  const kept: Example[] = [];
  const failed: SkippedFile[] = [];
  examples.forEach((ex, i) => {
    try {
      audio.set(loader.load(ex), kept.length * n);
      kept.push(ex);
    } catch (err) {
      if (!(err instanceof WavError)) throw err;
      failed.push({ path: err.path, reason: err.reason });
    }
    if (opts.onProgress && (i % 256 === 255 || i === examples.length - 1))
      opts.onProgress(i + 1, examples.length);
  });
  return {
    audio: audio.subarray(0, kept.length * n),
    labels: Int32Array.from(kept, (e) => e.label),
    examples: kept,
    failed,
  };
}
