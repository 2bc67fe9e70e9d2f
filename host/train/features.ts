/**
 * Features for training and evaluation: clean features of every example computed once by the
 * shared front end (through its C twin in the native addon when it is built: the same bits,
 * a quarter of the CPU) and cached on disk, per-coefficient input normalization, and the frame of
 * digital silence (what zero-filled audio looks like after the front end).
 *
 * Cache layout: <cacheDir>/<hash of front-end config>/<hh>/<hash of example>.f32, where an
 * example's hash covers its file path, size and mtime (or, for silence cut from noise, the noise
 * file, offset and RMS). Entries are written atomically (temp file + rename).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { threadId } from "node:worker_threads";
import { coeffCount, FrontEnd, type FrontEndConfig, frameCount } from "../../shared/features";
import type { MelFilterbank } from "../../shared/features/mel";
import { type Augmenter, ClipLoader, type Example, type Rng, WavError } from "../data";
import { WarpedMelBanks } from "../data/vtlp-filterbank";
import { NativeFeatures } from "../native/front-end";

/** Features of many examples in one block: example i is rows [i*frames, (i+1)*frames). */
export interface FeatureSet {
  frames: number;
  coeffs: number;
  /** n x frames x coeffs, row-major. */
  data: Float32Array;
  labels: Int32Array;
  examples: Example[];
  /** Files that could not be decoded (left out of the set). */
  failed: { path: string; reason: string }[];
}

/** Per-coefficient affine normalization applied to features before the model. */
export interface InputNorm {
  mean: number[];
  std: number[];
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "earshot", "features");
}

const sha1 = (s: string): string => createHash("sha1").update(s).digest("hex");

export function frontEndHash(cfg: FrontEndConfig): string {
  const keys = Object.keys(cfg).sort() as (keyof FrontEndConfig)[];
  return sha1(JSON.stringify(keys.map((k) => [k, cfg[k]]))).slice(0, 16);
}

/** What identifies an example's audio: file identity (path, size, mtime) or silence recipe. */
export function exampleKey(ex: Example): string {
  if (ex.kind === "file") {
    const st = statSync(ex.path);
    return sha1(`file\0${ex.path}\0${st.size}\0${st.mtimeMs}`);
  }
  const n = ex.noise;
  const src = n ? `${n.path}\0${statSync(n.path).mtimeMs}\0${n.offset}` : "zeros";
  return sha1(`silence\0${src}\0${ex.rms}`);
}

export class FeatureCache {
  readonly frames: number;
  readonly coeffs: number;
  private readonly dir: string | null;
  /** One front end for every clip: building its tables costs ~20% of a 1 s clip's features. */
  private readonly frontEnd: FrontEnd;
  private readonly warpedBanks: WarpedMelBanks;
  /** The C twins of the front end and of each warped bank (null: no addon); made at first use. */
  private native: NativeFeatures | null | undefined;
  private readonly nativeWarped = new Map<MelFilterbank, NativeFeatures>();

  /**
   * `cacheDir` null: compute every time, keep nothing on disk. `native` false: the TS front end
   * even where the addon is built (benchmarks compare the two).
   */
  constructor(
    readonly config: FrontEndConfig,
    cacheDir: string | null = defaultCacheDir(),
    readonly loader = new ClipLoader(),
    native = true,
  ) {
    this.frames = frameCount(loader.length, config);
    this.coeffs = coeffCount(config);
    this.dir = cacheDir ? join(cacheDir, frontEndHash(config)) : null;
    this.frontEnd = new FrontEnd(config);
    this.warpedBanks = new WarpedMelBanks(config);
    if (!native) this.native = null;
  }

  /** Clean features of one example (frames x coeffs); throws WavError for unreadable files. */
  get(ex: Example): Float32Array {
    return this.entry(exampleKey(ex), () => this.compute(this.loader.load(ex)));
  }

  /**
   * The cached features under `key` (a hex hash), or `make()`'s, stored under it. Entries whose
   * size is wrong (a torn or foreign file) are made again; without a cache folder, always made.
   */
  entry(key: string, make: () => Float32Array): Float32Array {
    const size = this.frames * this.coeffs;
    let file: string | null = null;
    if (this.dir) {
      file = join(this.dir, key.slice(0, 2), `${key}.f32`);
      try {
        const buf = readFileSync(file);
        if (buf.byteLength === size * 4) {
          return new Float32Array(
            buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
          );
        }
      } catch {
        // not cached yet
      }
    }
    const f = make();
    if (f.length !== size)
      throw new Error(`feature cache: entry ${key} has ${f.length} values, expected ${size}`);
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${threadId}.tmp`;
      writeFileSync(tmp, new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
      renameSync(tmp, file);
    }
    return f;
  }

  /**
   * Features of audio samples (16 kHz, [-1, 1]) as float32; `warp` != 1 reads them through the
   * mel filter bank warped by that factor (vocal tract length perturbation).
   */
  compute(audio: Float32Array, warp = 1): Float32Array {
    const bank = warp === 1 ? null : this.warpedBanks.get(warp);
    const native = this.nativeFor(bank);
    if (native !== null) return native.extract(audio);
    return this.withBank(bank, () => Float32Array.from(this.frontEnd.extract(audio).data));
  }

  /** The C front end with `bank` (null: the plain one) in place of the mel filters, if built. */
  private nativeFor(bank: MelFilterbank | null): NativeFeatures | null {
    if (this.native === undefined) this.native = NativeFeatures.of(this.frontEnd);
    if (this.native === null || bank === null) return this.native;
    let n = this.nativeWarped.get(bank);
    if (n === undefined) {
      n = this.withBank(bank, () => NativeFeatures.of(this.frontEnd) as NativeFeatures);
      this.nativeWarped.set(bank, n);
    }
    return n;
  }

  /** `f()` with the front end reading through `bank` (null: its own filters) for its duration. */
  private withBank<T>(bank: MelFilterbank | null, f: () => T): T {
    if (bank === null) return f();
    const fe = this.frontEnd;
    const plain = fe.mel;
    fe.mel = bank;
    try {
      return f();
    } finally {
      fe.mel = plain;
    }
  }

  /** Features of one augmented copy of `clip` (the warp where the augmenter's config puts it). */
  augmented(clip: Float32Array, augmenter: Augmenter, rng: Rng): Float32Array {
    const { audio, warp } = augmenter.applyForFeatures(clip, rng);
    return this.compute(audio, warp);
  }

  /** Features of every example in one block; undecodable files are listed, not fatal. */
  load(
    examples: readonly Example[],
    onProgress?: (done: number, total: number) => void,
  ): FeatureSet {
    const size = this.frames * this.coeffs;
    const data = new Float32Array(examples.length * size);
    const kept: Example[] = [];
    const failed: FeatureSet["failed"] = [];
    examples.forEach((ex, i) => {
      try {
        data.set(this.get(ex), kept.length * size);
        kept.push(ex);
      } catch (err) {
        if (!(err instanceof WavError)) throw err;
        failed.push({ path: err.path, reason: err.reason });
      }
      if (onProgress && (i % 64 === 63 || i === examples.length - 1))
        onProgress(i + 1, examples.length);
    });
    return {
      frames: this.frames,
      coeffs: this.coeffs,
      data: data.subarray(0, kept.length * size),
      labels: Int32Array.from(kept, (e) => e.label),
      examples: kept,
      failed,
    };
  }

  /** One frame of features of digital silence (what a zero-filled shift brings in). */
  silenceFrame(): Float32Array {
    return this.compute(new Float32Array(this.loader.length)).subarray(0, this.coeffs);
  }
}

/** Mean and standard deviation of each coefficient over a feature set (std floored at 1e-3). */
export function computeInputNorm(set: FeatureSet): InputNorm {
  const { coeffs, data } = set;
  const sum = new Float64Array(coeffs);
  const sq = new Float64Array(coeffs);
  const rows = data.length / coeffs;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < coeffs; c++) {
      const v = data[r * coeffs + c];
      sum[c] += v;
      sq[c] += v * v;
    }
  }
  const mean = Array.from(sum, (s) => s / Math.max(1, rows));
  const std = Array.from(sq, (s, c) =>
    Math.max(1e-3, Math.sqrt(Math.max(0, s / Math.max(1, rows) - mean[c] ** 2))),
  );
  return { mean, std };
}

/** Normalizes frames x coeffs features in place. */
export function normalizeInPlace(x: Float32Array, norm: InputNorm): Float32Array {
  const c = norm.mean.length;
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - norm.mean[i % c]) / norm.std[i % c];
  return x;
}
