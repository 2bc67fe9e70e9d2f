import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { parseWavLayout } from "../wav/read";
import { encodeWav16 } from "../wav/write";

/** Scratch folder inside the corpus: same filesystem, so finished files move in atomically. */
export const SCRATCH_DIR = ".synth-tmp";

/** True when `path` is a complete 16 kHz mono 16-bit WAV of exactly `frames` samples. */
export function isValidWav(path: string, frames: number): boolean {
  try {
    const st = statSync(path);
    if (!st.isFile() || st.size !== 44 + 2 * frames) return false;
    const fd = openSync(path, "r");
    const head = Buffer.alloc(44);
    try {
      readSync(fd, head, 0, 44, 0);
    } finally {
      closeSync(fd);
    }
    const l = parseWavLayout(head, st.size, path);
    return (
      l.format === "pcm" &&
      l.sampleRate === 16000 &&
      l.channels === 1 &&
      l.bitsPerSample === 16 &&
      l.frames === frames
    );
  } catch {
    return false;
  }
}

/** Writes a 16 kHz WAV via the scratch folder and a rename, so no reader sees half a file. */
export function writeWavAtomic(root: string, rel: string, samples: Float32Array): void {
  const target = join(root, rel);
  const tmp = join(root, SCRATCH_DIR, rel.replaceAll("/", "__"));
  mkdirSync(dirname(target), { recursive: true });
  mkdirSync(dirname(tmp), { recursive: true });
  writeFileSync(tmp, encodeWav16(samples, 16000));
  renameSync(tmp, target);
}

/** Lists a folder's entries, or none when it does not exist. */
export function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

export function clearScratch(root: string): void {
  rmSync(join(root, SCRATCH_DIR), { recursive: true, force: true });
}
