import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { EarshotError } from "../../shared/errors";
import { BACKGROUND_NOISE_DIR, SILENCE_LABEL, UNKNOWN_LABEL, V2_ONLY_WORDS } from "./labels";
import {
  DEFAULT_SPLIT_PERCENTS,
  listedSplit,
  readSplitLists,
  type Split,
  type SplitPercents,
  speakerSplit,
  whichSet,
} from "./split";
import { readWavHeader, TARGET_RATE, WavError } from "./wav/read";

/**
 * Reads a Speech Commands corpus from disk: which clips exist, what word each one speaks, who
 * spoke it and which subset it belongs to. Two layouts are recognised automatically:
 *
 * - "full" (the dataset archive, v0.01 and v0.02): `<word>/<speaker>_nohash_<n>.wav`,
 *   `_background_noise_/*.wav`, optional `validation_list.txt` / `testing_list.txt`.
 * - "test-set" (the canonical 12-class test archive): keyword folders as above, plus
 *   `_unknown_/<word>_<speaker>_nohash_<n>.wav.wav` and `_silence_/<n>.wav`.
 *
 * Every clip's header is read; a file that is not a valid WAV is listed in `skipped` with the
 * reason, and the scan goes on.
 */

export type Layout = "full" | "test-set";

/**
 * How subsets are assigned.
 * - "auto": the lists when present; else "all-test" for the test-set layout (the canonical test
 *   set is by construction the speakers `which_set` sends to test); else "hash".
 * - "hash": the dataset's `which_set` hash of the speaker, ignoring lists.
 * - "lists": the lists (error when absent).
 * - "speaker": an independent speaker-disjoint split (salted hash, same percentages), to train
 *   and validate on a corpus that is itself one subset of the dataset, e.g. the test set.
 * - "all-test": every clip is test.
 */
export const SPLIT_MODES = ["auto", "hash", "lists", "speaker", "all-test"] as const;
export type SplitMode = (typeof SPLIT_MODES)[number];

export interface DatasetItem {
  /** Absolute path of the clip. */
  path: string;
  /** Path relative to the dataset root, with "/" separators (the split lists' form). */
  relPath: string;
  /** The word actually spoken (folder name, or the file prefix in `_unknown_`); `_silence_` for silence clips. */
  word: string;
  /** Speaker id (the part before `_nohash_`); null for silence clips. */
  speaker: string | null;
  split: Split;
  /** A ready-made silence clip (test-set layout `_silence_/`). */
  silence: boolean;
}

export interface NoiseFile {
  path: string;
  /** Length at 16 kHz, in samples. */
  samples: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface Dataset {
  root: string;
  layout: Layout;
  /** "v0.02" when a v0.02-only word is present, "v0.01" for a full 30-word v0.01 tree, else null. */
  version: "v0.01" | "v0.02" | null;
  splitSource: "lists" | "hash" | "speaker" | "all-test";
  percents: SplitPercents;
  items: DatasetItem[];
  /** Spoken words present (sorted), silence excluded. */
  words: string[];
  /** Background noise recordings usable for silence and augmentation. */
  noise: NoiseFile[];
  skipped: SkippedFile[];
}

export interface ScanOptions {
  splitMode?: SplitMode;
  /** Percentages for the hash split (default 10/10). */
  percents?: Partial<SplitPercents>;
  /** Background noise folder; default `<dir>/_background_noise_` when present. */
  noiseDir?: string;
  /** Called as headers are read: (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** A dataset folder that cannot be used at all (missing, empty, lists requested but absent). */
export class DatasetError extends EarshotError {
  constructor(message: string) {
    super("dataset", message);
    this.name = "DatasetError";
  }
}

const TEST_SET_UNKNOWN = /^(.+)_([^_]+)_nohash_[^/]*$/;

interface Candidate {
  path: string;
  relPath: string;
  word: string;
  speaker: string | null;
  silence: boolean;
}

function isHidden(name: string): boolean {
  return name.startsWith(".");
}

function listDir(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !isHidden(n))
    .sort();
}

/** Entries of `dir` with their kind, without a stat per file (symlinks are followed). */
function listEntries(dir: string): { name: string; isDir: boolean }[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => !isHidden(d.name))
    .map((d) => ({
      name: d.name,
      isDir: d.isSymbolicLink() ? statSync(join(dir, d.name)).isDirectory() : d.isDirectory(),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function speakerOf(fileName: string): string | null {
  const at = fileName.indexOf("_nohash_");
  return at < 0 ? null : fileName.slice(0, at);
}

/** Lists the clip files of one class folder; odd entries go to `skipped`. */
function collectFolder(
  root: string,
  folder: string,
  skipped: SkippedFile[],
  make: (file: string) => Candidate | string,
): Candidate[] {
  const out: Candidate[] = [];
  let entries: { name: string; isDir: boolean }[];
  try {
    entries = listEntries(join(root, folder));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    skipped.push({ path: join(root, folder), reason: `cannot list folder (${code})` });
    return out;
  }
  for (const { name: file, isDir } of entries) {
    const path = join(root, folder, file);
    if (isDir) {
      skipped.push({ path, reason: "unexpected sub-folder" });
    } else if (!file.toLowerCase().endsWith(".wav")) {
      skipped.push({ path, reason: "not a .wav file" });
    } else {
      const c = make(file);
      if (typeof c === "string") skipped.push({ path, reason: c });
      else out.push(c);
    }
  }
  return out;
}

function collect(root: string, layout: Layout, skipped: SkippedFile[]): Candidate[] {
  const folders = listEntries(root)
    .filter((e) => e.isDir && e.name !== BACKGROUND_NOISE_DIR)
    .map((e) => e.name);
  const out: Candidate[] = [];
  for (const folder of folders) {
    const rel = (file: string) => `${folder}/${file}`;
    const path = (file: string) => join(root, folder, file);
    if (layout === "test-set" && folder === SILENCE_LABEL) {
      out.push(
        ...collectFolder(root, folder, skipped, (f) => ({
          path: path(f),
          relPath: rel(f),
          word: SILENCE_LABEL,
          speaker: null,
          silence: true,
        })),
      );
    } else if (layout === "test-set" && folder === UNKNOWN_LABEL) {
      out.push(
        ...collectFolder(root, folder, skipped, (f) => {
          const m = TEST_SET_UNKNOWN.exec(f);
          if (!m) return "name is not <word>_<speaker>_nohash_<n>.wav";
          return {
            path: path(f),
            relPath: rel(f),
            word: m[1].toLowerCase(),
            speaker: m[2],
            silence: false,
          };
        }),
      );
    } else {
      const word = folder.toLowerCase();
      out.push(
        ...collectFolder(root, folder, skipped, (f) => ({
          path: path(f),
          relPath: rel(f),
          word,
          speaker: speakerOf(f),
          silence: false,
        })),
      );
    }
  }
  return out;
}

/** Reads headers in slices, yielding between them so a progress bar can redraw. */
async function validateHeaders<T extends { path: string }>(
  files: T[],
  skipped: SkippedFile[],
  onProgress?: (done: number, total: number) => void,
): Promise<{ file: T; samples: number }[]> {
  const ok: { file: T; samples: number }[] = [];
  const slice = 256;
  for (let i = 0; i < files.length; i += slice) {
    for (const file of files.slice(i, i + slice)) {
      try {
        const h = readWavHeader(file.path);
        ok.push({ file, samples: Math.ceil((h.frames * TARGET_RATE) / h.sampleRate) });
      } catch (err) {
        if (!(err instanceof WavError)) throw err;
        skipped.push({ path: file.path, reason: err.reason });
      }
    }
    onProgress?.(Math.min(i + slice, files.length), files.length);
    await new Promise((r) => setImmediate(r));
  }
  return ok;
}

function detectVersion(layout: Layout, words: string[]): Dataset["version"] {
  if (words.some((w) => V2_ONLY_WORDS.includes(w))) return "v0.02";
  if (layout === "full" && words.length >= 30) return "v0.01";
  return null;
}

/** Scans a Speech Commands folder (either layout) into a `Dataset`. */
export async function scanDataset(dir: string, opts: ScanOptions = {}): Promise<Dataset> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new DatasetError(`dataset folder not found: ${root}`);
  const layout: Layout =
    existsSync(join(root, UNKNOWN_LABEL)) || existsSync(join(root, SILENCE_LABEL))
      ? "test-set"
      : "full";
  const percents = { ...DEFAULT_SPLIT_PERCENTS, ...opts.percents };
  const requested = opts.splitMode ?? "auto";
  const lists = requested === "auto" || requested === "lists" ? readSplitLists(root) : null;
  if (requested === "lists" && !lists)
    throw new DatasetError(
      `${root}: split lists requested but validation_list.txt/testing_list.txt are absent`,
    );
  const source: Dataset["splitSource"] =
    requested === "auto"
      ? lists
        ? "lists"
        : layout === "test-set"
          ? "all-test"
          : "hash"
      : requested;

  const skipped: SkippedFile[] = [];
  const candidates = collect(root, layout, skipped);
  const noiseDir = opts.noiseDir ? resolve(opts.noiseDir) : join(root, BACKGROUND_NOISE_DIR);
  if (opts.noiseDir && !existsSync(noiseDir))
    throw new DatasetError(`background noise folder not found: ${noiseDir}`);
  const noisePaths = existsSync(noiseDir)
    ? listDir(noiseDir)
        .filter((n) => n.toLowerCase().endsWith(".wav"))
        .map((n) => ({ path: join(noiseDir, n) }))
    : [];

  const total = candidates.length + noisePaths.length;
  const progress = opts.onProgress;
  const valid = await validateHeaders(candidates, skipped, (d) => progress?.(d, total));
  const noiseOk = await validateHeaders(noisePaths, skipped, (d) =>
    progress?.(candidates.length + d, total),
  );

  const splitOf = (c: Candidate): Split => {
    if (source === "all-test") return "test";
    if (source === "lists" && lists) return listedSplit(lists, c.relPath);
    // Hash the speaker so `_unknown_/<word>_<speaker>_...` lands where `<word>/<speaker>_...` would.
    const key = c.speaker ?? basename(c.path);
    return source === "speaker" ? speakerSplit(key, percents) : whichSet(key, percents);
  };
  const items: DatasetItem[] = valid.map(({ file }) => ({ ...file, split: splitOf(file) }));
  if (items.length === 0)
    throw new DatasetError(
      `${root}: no readable clips (expected <word>/<speaker>_nohash_<n>.wav; ${skipped.length} skipped)`,
    );
  const words = [...new Set(items.filter((i) => !i.silence).map((i) => i.word))].sort();
  return {
    root,
    layout,
    version: detectVersion(layout, words),
    splitSource: source,
    percents,
    items,
    words,
    noise: noiseOk.map(({ file, samples }) => ({ path: file.path, samples })),
    skipped,
  };
}
