/**
 * A tiny Speech Commands test-set layout for the stream tests: `yes` and `no` (the synthetic
 * models' keywords) and `_unknown_` clips, each a seeded noise burst in the middle of 1 s from
 * its own speaker (so a misplaced clip shows up as lost correlation), and one background noise
 * recording.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../../host/data/rng";
import { encodeWav16 } from "../../host/data/wav/write";

export const FIXTURE_SPEAKERS = 24;

function burst(rng: Rng): Int16Array {
  const s = new Int16Array(16000);
  for (let i = 4000; i < 12000; i++) {
    const env = Math.sin((Math.PI * (i - 4000)) / 8000);
    s[i] = Math.round(8000 * env * rng.normal());
  }
  return s;
}

/** Writes the layout under `dir`; returns the dataset root and the noise folder. */
export function writeFixtureDataset(dir: string): { data: string; noise: string } {
  const data = join(dir, "data");
  const rng = new Rng(11);
  for (const folder of ["yes", "no", "_unknown_"]) {
    mkdirSync(join(data, folder), { recursive: true });
    for (let k = 0; k < FIXTURE_SPEAKERS; k++) {
      const speaker = `${folder === "_unknown_" ? "e" : folder === "yes" ? "a" : "b"}${k}f0c1d2`;
      const name =
        folder === "_unknown_" ? `bed_${speaker}_nohash_0.wav.wav` : `${speaker}_nohash_0.wav`;
      writeFileSync(join(data, folder, name), encodeWav16(burst(rng), 16000, true));
    }
  }
  const noise = join(data, "_background_noise_");
  mkdirSync(noise, { recursive: true });
  const n = new Int16Array(16000 * 30);
  for (let i = 0; i < n.length; i++) n[i] = Math.round(600 * rng.normal());
  writeFileSync(join(noise, "hiss.wav"), encodeWav16(n, 16000, true));
  return { data, noise };
}
