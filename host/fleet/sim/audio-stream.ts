/**
 * A virtual device's microphone: seeded noise with keyword clips planted at known times, made
 * sample by sample in order so the same seed always gives the same stream, however it is cut
 * into chunks (the live simulator and an offline replay see identical samples). The plants are
 * the ground truth that detections are scored against.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { resample } from "../../data/resample";
import { Rng } from "../../data/rng";
import { readWav, TARGET_RATE } from "../../data/wav/read";
import { FleetError } from "../errors";

/** Clips per keyword, at the stream's sample rate, floats in [-1, 1]. */
export type ClipBank = Map<string, Float32Array[]>;

export interface Plant {
  keyword: string;
  /** Start and end of the clip, ms from stream start. */
  startMs: number;
  endMs: number;
}

export interface StreamOptions {
  sampleRate: number;
  keywords: string[];
  clips: ClipBank;
  /** One keyword every this many ms, the first at phaseMs. */
  everyMs: number;
  phaseMs: number;
  seed: number;
  /** Noise standard deviation (default 0.005, about -46 dBFS). */
  noise?: number;
}

/**
 * A deterministic stand-in for a spoken keyword when no corpus is given: 600 ms of two
 * harmonically related tones whose pitch depends on the keyword's index, under a Hann envelope.
 */
export function syntheticClip(index: number, sampleRate: number): Float32Array {
  const n = Math.round(0.6 * sampleRate);
  const f0 = 180 + 70 * index;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const env = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    const glide = 1 + 0.3 * (i / n); // rising pitch, like a stressed syllable
    out[i] =
      0.3 *
      env *
      (Math.sin(2 * Math.PI * f0 * glide * t) + 0.5 * Math.sin(4 * Math.PI * f0 * glide * t));
  }
  return out;
}

export function syntheticBank(keywords: string[], sampleRate: number): ClipBank {
  return new Map(keywords.map((k, i) => [k, [syntheticClip(i, sampleRate)]]));
}

/**
 * Up to `perKeyword` clips of each keyword from a Speech Commands-layout folder
 * (`dir/<keyword>/*.wav`), sorted by name, resampled to `sampleRate`.
 */
export function loadClipBank(
  dir: string,
  keywords: string[],
  sampleRate: number,
  perKeyword = 16,
): ClipBank {
  const bank: ClipBank = new Map();
  for (const k of keywords) {
    let names: string[];
    try {
      names = readdirSync(join(dir, k))
        .filter((f) => f.endsWith(".wav"))
        .sort();
    } catch {
      throw new FleetError(`${join(dir, k)}: no such keyword folder in the clip corpus`);
    }
    if (names.length === 0) {
      throw new FleetError(`${join(dir, k)} holds no .wav clips`);
    }
    bank.set(
      k,
      names.slice(0, perKeyword).map((f) => {
        const s = readWav(join(dir, k, f)).samples;
        return sampleRate === TARGET_RATE ? s : resample(s, TARGET_RATE, sampleRate);
      }),
    );
  }
  return bank;
}

export class KeywordStream {
  /** Every keyword planted so far (ms from stream start), in order. */
  readonly plants: Plant[] = [];
  private readonly rng: Rng;
  private readonly noise: number;
  private pos = 0;
  private next = 0;
  /** Clips still playing: start sample and samples. */
  private playing: { start: number; clip: Float32Array }[] = [];

  constructor(private readonly o: StreamOptions) {
    if (!(o.everyMs > 0)) throw new Error("everyMs must be > 0");
    for (const k of o.keywords) {
      if (!o.clips.get(k)?.length) throw new Error(`no clips for keyword '${k}'`);
    }
    this.rng = new Rng(o.seed);
    this.noise = o.noise ?? 0.005;
  }

  /** Samples produced so far. */
  get position(): number {
    return this.pos;
  }

  private plantAt(i: number): number {
    return Math.round(((this.o.phaseMs + i * this.o.everyMs) * this.o.sampleRate) / 1000);
  }

  /** Writes the next n samples into out[off .. off + n). */
  fill(out: number[] | Float32Array, off: number, n: number): void {
    const o = this.o;
    for (let j = 0; j < n; j++) {
      const p = this.pos + j;
      if (o.keywords.length > 0 && p === this.plantAt(this.next)) {
        const keyword = o.keywords[this.next % o.keywords.length];
        const clips = o.clips.get(keyword) as Float32Array[];
        // The clip for the i-th plant is fixed by the seed, not by what was drawn before.
        const clip = clips[(this.next * 7919 + o.seed) % clips.length];
        this.playing.push({ start: p, clip });
        const ms = (s: number) => (s * 1000) / o.sampleRate;
        this.plants.push({ keyword, startMs: ms(p), endMs: ms(p + clip.length) });
        this.next++;
      }
      let v = this.noise * this.rng.normal();
      for (const c of this.playing) v += c.clip[p - c.start] ?? 0;
      out[off + j] = v < -1 ? -1 : v > 1 ? 1 : v;
    }
    this.pos += n;
    if (this.playing.length > 0) {
      this.playing = this.playing.filter((c) => this.pos - c.start < c.clip.length);
    }
  }
}
