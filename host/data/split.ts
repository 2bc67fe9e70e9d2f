import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Train/validation/test assignment, exactly as Speech Commands does it: the split lists when the
 * dataset ships them, otherwise the README's `which_set` hash of the speaker part of the name,
 * so every clip of one speaker lands in the same subset and the split never changes as the
 * dataset grows.
 */

export type Split = "train" | "validation" | "test";
export const SPLITS: readonly Split[] = ["train", "validation", "test"];

/** `MAX_NUM_WAVS_PER_CLASS` in the dataset's reference code. */
export const MAX_NUM_WAVS_PER_CLASS = 2 ** 27 - 1;

export interface SplitPercents {
  /** Percent of speakers in validation (dataset default 10). */
  validation: number;
  /** Percent of speakers in test (dataset default 10). */
  test: number;
}

export const DEFAULT_SPLIT_PERCENTS: SplitPercents = { validation: 10, test: 10 };

/** What `which_set` hashes: the file's base name with everything from `_nohash_` on removed. */
export function hashName(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf("/") + 1);
  const at = base.indexOf("_nohash_");
  return at < 0 ? base : base.slice(0, at);
}

/**
 * `(int(sha1_hex(name), 16) % (MAX_NUM_WAVS_PER_CLASS + 1)) * (100.0 / MAX_NUM_WAVS_PER_CLASS)`.
 * The modulus is 2^27, so the remainder is the low 27 bits of the digest: exact, no BigInt.
 */
export function percentageHash(name: string): number {
  const hex = createHash("sha1").update(name, "utf8").digest("hex");
  const low = Number.parseInt(hex.slice(-7), 16) % (MAX_NUM_WAVS_PER_CLASS + 1);
  return low * (100.0 / MAX_NUM_WAVS_PER_CLASS);
}

/** The dataset's `which_set` for one file name (a path or base name). */
export function whichSet(fileName: string, pct: SplitPercents = DEFAULT_SPLIT_PERCENTS): Split {
  const p = percentageHash(hashName(fileName));
  if (p < pct.validation) return "validation";
  if (p < pct.test + pct.validation) return "test";
  return "train";
}

/**
 * Salt for `speakerSplit`. A corpus that is itself one subset of Speech Commands (the canonical
 * test set is exactly the speakers `which_set` sends to test) cannot be re-split by `which_set`;
 * salting the hash gives an independent assignment that is still speaker-disjoint.
 */
const SPEAKER_SPLIT_SALT = "earshot-speaker-split:";

/** An independent speaker-disjoint split: `which_set` on a salted speaker id. */
export function speakerSplit(speaker: string, pct: SplitPercents = DEFAULT_SPLIT_PERCENTS): Split {
  const p = percentageHash(SPEAKER_SPLIT_SALT + speaker);
  if (p < pct.validation) return "validation";
  if (p < pct.test + pct.validation) return "test";
  return "train";
}

/** The split lists shipped with the full dataset, as sets of `word/file.wav` paths. */
export interface SplitLists {
  validation: Set<string>;
  test: Set<string>;
}

/** Reads `validation_list.txt` / `testing_list.txt` from `root`; null when neither exists. */
export function readSplitLists(root: string): SplitLists | null {
  const read = (name: string): Set<string> | null => {
    const p = join(root, name);
    if (!existsSync(p)) return null;
    const lines = readFileSync(p, "utf8").split(/\r?\n/);
    return new Set(lines.map((l) => l.trim().replace(/\\/g, "/")).filter((l) => l.length > 0));
  };
  const validation = read("validation_list.txt");
  const test = read("testing_list.txt");
  if (!validation && !test) return null;
  return { validation: validation ?? new Set(), test: test ?? new Set() };
}

/** Split of `relPath` (`word/file.wav`) by the lists: listed in one, else train. */
export function listedSplit(lists: SplitLists, relPath: string): Split {
  if (lists.validation.has(relPath)) return "validation";
  if (lists.test.has(relPath)) return "test";
  return "train";
}
