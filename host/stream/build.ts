/**
 * Builds a long evaluation stream: keyword clips and other speech (`_unknown_` / other-word
 * clips) from the dataset's test subset only, planted one at a time into a noise bed at SNRs
 * drawn from a range, with gaps between them, and the truth of where each one went.
 * Deterministic under the seed: same dataset and options, same samples and truth.
 *
 * Layout: a 1 s lead-in, then slots of [clip 1 s][gap drawn from GAP_MS], until the stream
 * ends (at least 1 s of tail after the last clip). A slot holds a keyword with probability
 * KEYWORD_SHARE, else other speech. Gaps exceed twice the eval tolerance (stream eval's
 * default 500 ms), so no detection can fall in the windows of two plants.
 */

import { EarshotError } from "../../shared/errors";
import {
  type DatasetItem,
  padOrTrim,
  Rng,
  readWav,
  type SplitMode,
  STANDARD_KEYWORDS,
  scanDataset,
  TARGET_RATE,
  UNKNOWN_LABEL,
} from "../data";
import { noiseGainForSnr } from "../data/augment";
import { noiseBed } from "./noise-bed";
import type { PlantedClip, StreamTruth } from "./truth";

export interface StreamBuildOptions {
  data: string;
  minutes: number;
  seed: number;
  /** SNR range, dB (lo <= hi). */
  snrDb: [number, number];
  splitMode?: SplitMode;
  /** Background noise folder (default `<data>/_background_noise_`). */
  noiseDir?: string;
  /** Keyword words (default the standard ten); clips of other words are planted as `_unknown_`. */
  keywords?: readonly string[];
  /**
   * The held-out subset the clips (and noise regions) come from: test (default) to report on,
   * validation to calibrate on speakers the report never sees.
   */
  subset?: "validation" | "test";
}

export interface BuiltStream {
  /** Mono 16 kHz floats in [-1, 1]. */
  samples: Float32Array;
  truth: StreamTruth;
}

/** A stream that cannot be built from these inputs (the CLI prints the message). */
export class StreamBuildError extends EarshotError {
  constructor(message: string) {
    super("stream-build", message);
    this.name = "StreamBuildError";
  }
}

export const LEAD_MS = 1000;
export const CLIP_MS = 1000;
export const GAP_MS: [number, number] = [1500, 4000];
export const KEYWORD_SHARE = 0.5;
/** Peak a planted clip may reach: a louder draw is turned down (and its SNR recorded as mixed). */
const PEAK = 0.95;

const SAMPLES_PER_MS = TARGET_RATE / 1000;

function power(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s / Math.max(1, x.length);
}

/** Draws items from a pool in a shuffled order, reshuffling when it runs out. */
class Deck {
  private order: DatasetItem[] = [];
  constructor(
    private readonly items: DatasetItem[],
    private readonly rng: Rng,
  ) {}
  draw(): DatasetItem {
    if (this.order.length === 0) this.order = this.rng.shuffle(this.items.slice());
    return this.order.pop() as DatasetItem;
  }
}

export async function buildStream(o: StreamBuildOptions): Promise<BuiltStream> {
  if (!(o.minutes > 0)) throw new StreamBuildError(`minutes must be > 0 (got ${o.minutes})`);
  if (!(o.snrDb[0] <= o.snrDb[1])) throw new StreamBuildError("SNR range must be lo <= hi");
  const ds = await scanDataset(o.data, { splitMode: o.splitMode, noiseDir: o.noiseDir });
  const keywords = (o.keywords ?? STANDARD_KEYWORDS).slice();
  const subset = o.subset ?? "test";
  const test = ds.items.filter((it) => it.split === subset && !it.silence);
  const kwItems = test.filter((it) => keywords.includes(it.word));
  const otherItems = test.filter((it) => !keywords.includes(it.word));
  if (kwItems.length === 0)
    throw new StreamBuildError(
      `${o.data}: no keyword clips in the ${subset} subset (split ${ds.splitSource})`,
    );
  if (ds.noise.length === 0)
    throw new StreamBuildError(`${o.data}: no background noise files (give --noise DIR)`);

  const totalMs = Math.round(o.minutes * 60000);
  if (totalMs < LEAD_MS + CLIP_MS + LEAD_MS)
    throw new StreamBuildError(`--minutes ${o.minutes} is too short for one clip (3 s at least)`);
  const root = new Rng(o.seed);
  const noise = ds.noise.map((f) => ({ path: f.path, samples: readWav(f.path).samples }));
  let out: Float32Array;
  try {
    out = noiseBed(
      totalMs * SAMPLES_PER_MS,
      noise,
      ds.percents,
      root.fork("noise"),
      undefined,
      subset,
    );
  } catch (e) {
    throw new StreamBuildError(`${o.data}: ${(e as Error).message}`);
  }

  const slots = root.fork("slots");
  const keywordDeck = new Deck(kwItems, root.fork("keywords"));
  const otherDeck = new Deck(otherItems, root.fork("other"));
  const planted: PlantedClip[] = [];
  const clips: string[] = [];
  const seen = new Set<string>();
  for (let t = LEAD_MS; t + CLIP_MS + LEAD_MS <= totalMs; ) {
    const isKeyword = otherItems.length === 0 || slots.next() < KEYWORD_SHARE;
    const snr = slots.uniform(o.snrDb[0], o.snrDb[1]);
    const gap = GAP_MS[0] + slots.int(GAP_MS[1] - GAP_MS[0] + 1);
    const item = (isKeyword ? keywordDeck : otherDeck).draw();
    const clip = padOrTrim(readWav(item.path).samples, CLIP_MS * SAMPLES_PER_MS);
    const at = t * SAMPLES_PER_MS;
    const bed = out.subarray(at, at + clip.length);
    // mixAtSnr's definition (whole-clip power over the noise under it), solved for the clip's
    // gain instead of the noise's: the bed is one continuous recording and must not jump.
    const pc = power(clip);
    if (pc > 0) {
      const pn = power(bed);
      let peak = 0;
      for (let i = 0; i < clip.length; i++) peak = Math.max(peak, Math.abs(clip[i]));
      const wanted = pn > 0 ? 1 / noiseGainForSnr(clip, bed, snr) : 1;
      const gain = Math.min(wanted, PEAK / peak);
      for (let i = 0; i < clip.length; i++) bed[i] += gain * clip[i];
      const rel = item.relPath;
      if (!seen.has(rel)) {
        seen.add(rel);
        clips.push(rel);
      }
      planted.push({
        keyword: item.word,
        label: isKeyword ? item.word : UNKNOWN_LABEL,
        startMs: t,
        endMs: t + CLIP_MS,
        snrDb: pn > 0 ? Math.round(1000 * Math.log10((gain * gain * pc) / pn)) / 100 : null,
        clip: rel,
      });
    }
    // A silent clip is skipped: nothing of it could be heard.
    t += CLIP_MS + gap;
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.max(-1, Math.min(1, out[i]));
  return {
    samples: out,
    truth: {
      version: 1,
      sampleRate: TARGET_RATE,
      durationMs: totalMs,
      seed: o.seed,
      snrDb: [o.snrDb[0], o.snrDb[1]],
      data: ds.root,
      split: ds.splitSource,
      keywords,
      planted,
      clips,
      noise: noise.map((n) => n.path),
    },
  };
}
