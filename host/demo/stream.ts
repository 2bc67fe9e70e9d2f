import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../data/rng";
import { readWav } from "../data/wav/read";
import { encodeWav16 } from "../data/wav/write";

/** A keyword planted in the demo stream, and where. */
export interface PlantedKeyword {
  keyword: string;
  startMs: number;
  source: string;
}

/**
 * Builds a stream for the device runtime: keyword clips from the corpus placed every ~2 s over
 * the corpus's pink background noise, with the ground truth beside it, so `device run` output
 * can be read against what was said and when.
 */
export function buildDemoStream(
  corpus: string,
  outWav: string,
  keywords: string[],
  seed = 7,
): PlantedKeyword[] {
  const rng = new Rng(seed);
  const rate = 16000;
  const slot = 2 * rate;
  const noise = readWav(join(corpus, "_background_noise_", "pink_noise.wav")).samples;
  const total = slot * keywords.length + rate;
  const out = new Float32Array(total);
  for (let i = 0; i < total; i++) out[i] = 0.3 * noise[i % noise.length];
  const planted: PlantedKeyword[] = [];
  keywords.forEach((kw, k) => {
    const files = readdirSync(join(corpus, kw))
      .filter((f) => f.endsWith(".wav"))
      .sort();
    const file = join(corpus, kw, rng.pick(files));
    const clip = readWav(file).samples;
    const start = rate / 2 + k * slot;
    for (let i = 0; i < clip.length && start + i < total; i++) out[start + i] += clip[i];
    planted.push({ keyword: kw, startMs: (start / rate) * 1000, source: file });
  });
  writeFileSync(outWav, encodeWav16(out, rate));
  return planted;
}
