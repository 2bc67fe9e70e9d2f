/**
 * The ground truth written beside a built stream (FILE.wav -> FILE.json): every clip planted in
 * it, keyword or not, with where it starts and ends, and what the stream was made from. It is
 * what `earshot stream eval` and `earshot calibrate` score detections against.
 */
import { readFileSync } from "node:fs";
import { EarshotError } from "../../shared/errors";

/** One clip placed in the stream. Times are ms from the first sample; the clip spans [startMs, endMs). */
export interface PlantedClip {
  /** The word spoken (folder name, or the `_unknown_/` file prefix). */
  keyword: string;
  /** Its class label: the word itself for a keyword, `_unknown_` for other speech. */
  label: string;
  startMs: number;
  endMs: number;
  /**
   * Clip power over the power of the noise under it, dB, as mixed (after the clipping guard);
   * null where that noise was silent (the clip is then at its recorded level).
   */
  snrDb: number | null;
  /** The clip, relative to the dataset root. */
  clip: string;
}

export interface StreamTruth {
  version: 1;
  sampleRate: number;
  durationMs: number;
  seed: number;
  /** The SNR range clips were drawn from, dB. */
  snrDb: [number, number];
  data: string;
  /** How subsets were assigned; clips come from its test subset only. */
  split: string;
  /** Keywords of the build: clips of these words are labelled with the word. */
  keywords: string[];
  /** In time order. */
  planted: PlantedClip[];
  /** Every clip file used (relative to the dataset root), in order of first use. */
  clips: string[];
  /** Background noise recordings used (paths as scanned). */
  noise: string[];
}

/** A truth file that is missing or not in this shape. */
export class TruthError extends EarshotError {
  constructor(message: string) {
    super("truth", message);
    this.name = "TruthError";
  }
}

/** Where the truth of `wav` lives by default: the same path with `.json` for `.wav`. */
export function truthPathFor(wav: string): string {
  return wav.toLowerCase().endsWith(".wav") ? `${wav.slice(0, -4)}.json` : `${wav}.json`;
}

function isNum(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** Reads and checks a truth file; each problem is one line naming the file and the field. */
export function readTruth(path: string): StreamTruth {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new TruthError(`${path}: cannot read truth file (${(e as NodeJS.ErrnoException).code})`);
  }
  let t: Partial<StreamTruth>;
  try {
    t = JSON.parse(text);
  } catch {
    throw new TruthError(`${path}: not JSON`);
  }
  const bad = (what: string) => new TruthError(`${path}: ${what}`);
  if (typeof t !== "object" || t === null || t.version !== 1)
    throw bad("not a stream truth file (version 1)");
  if (!isNum(t.durationMs) || t.durationMs <= 0) throw bad("durationMs must be a positive number");
  if (!Array.isArray(t.planted)) throw bad("planted must be a list");
  let prev = Number.NEGATIVE_INFINITY;
  t.planted.forEach((p, i) => {
    if (typeof p?.keyword !== "string" || typeof p.label !== "string")
      throw bad(`planted[${i}] lacks keyword or label`);
    if (!isNum(p.startMs) || !isNum(p.endMs) || p.endMs <= p.startMs)
      throw bad(`planted[${i}] needs startMs < endMs`);
    if (p.startMs < prev) throw bad(`planted[${i}] is out of time order`);
    prev = p.startMs;
  });
  return t as StreamTruth;
}
