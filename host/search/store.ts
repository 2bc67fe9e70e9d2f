/**
 * The results store of a search: `<out>/results.jsonl`, one JSON record per trained candidate
 * and seed, appended (and flushed) the moment it is done, so a killed search loses at most the
 * candidates in flight; a torn last line (a kill mid-write) is ignored on reading.
 * `<out>/search.json` holds the options the search was started with; resuming with others is an
 * error (the records would no longer answer the same question).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SearchError } from "./errors";
import type { Family } from "./space";

export interface CandidateRecord {
  /** Search kind: "iterative" (seed 000) or "proxyless" (seed 004). */
  search: string;
  key: string;
  family: Family;
  bits: number;
  config: Record<string, unknown>;
  seed: number;
  /** Which step of the search asked for it (e.g. "mfcc"); informational. */
  step: string;
  /** Best validation accuracy during training (what the search selects on). */
  val_accuracy: number | null;
  /** Test-subset accuracy of the trained tfjs model (held-out speakers with --split speaker). */
  accuracy: number | null;
  /** Test accuracy of the exported integer file (device semantics); null for float or when export failed. */
  int_accuracy: number | null;
  params: number;
  /** Parameter KiB at the stored bit width (analytic, what the size cap checks). */
  kib: number;
  /** Parameter KiB of the exported device file, when exported. */
  file_kib: number | null;
  macs: number;
  binary_macs: number;
  /** Activation elements per inference (a device cost model input). */
  activations: number;
  arena_bytes: number | null;
  /** Predicted device instructions per second of audio (cost-model.ts; null before calibration). */
  device_instr_per_s: number | null;
  seconds: number;
  error?: string;
}

export const RESULTS_FILE = "results.jsonl";
export const OPTIONS_FILE = "search.json";
/** Ensembles built from a search's results (`earshot search ensemble`), beside its results.jsonl. */
export const ENSEMBLES_FILE = "ensembles.jsonl";

/** The records of `dir/file` (a search's results.jsonl unless named otherwise). */
export function readRecords<T = CandidateRecord>(dir: string, file = RESULTS_FILE): T[] {
  const path = join(dir, file);
  if (!existsSync(path)) return [];
  const out: T[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // A line cut by a kill: that candidate is trained again.
    }
  }
  return out;
}

export function appendRecord(dir: string, r: object, file = RESULTS_FILE): void {
  const path = join(dir, file);
  // A torn previous line must not swallow this record.
  const torn =
    existsSync(path) && !readFileSync(path, "utf8").endsWith("\n") && readFileSync(path).length > 0;
  appendFileSync(path, `${torn ? "\n" : ""}${JSON.stringify(r)}\n`);
}

export const recordId = (key: string, seed: number) => `${key}#${seed}`;

/** The folder of one (candidate, seed) training under a store's `runs/`. */
export const runFolder = (key: string, seed: number) => `${key.replace("/", "_")}_s${seed}`;

/** Creates the folder and options file, or checks that a resumed search was started alike. */
export function openStore(dir: string, options: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, OPTIONS_FILE);
  const text = JSON.stringify(options, null, 2);
  if (!existsSync(path)) {
    writeFileSync(path, `${text}\n`);
    return;
  }
  const before = readFileSync(path, "utf8").trim();
  if (before !== text)
    throw new SearchError(
      `${dir} holds a search started with other options (${path}); use another --out or the same options`,
    );
}

/**
 * One equal-weight ensemble built from a search's results (`earshot search ensemble`, seed 000
 * §IV-C): `members` trainings (seeds 0..members-1) of one architecture, in `ensembles.jsonl`.
 * Costs are the members' together (nothing is shared but the front end).
 */
export interface EnsembleRecord {
  search: "ensemble";
  /** `2x binary/m10-d2-k3-f4`. */
  key: string;
  /** The architecture's candidate key in results.jsonl. */
  member_key: string;
  family: Family;
  bits: number;
  config: Record<string, unknown>;
  members: number;
  seeds: number[];
  /** Member files, relative to the search folder. */
  files: string[];
  /** Each member alone, scored in the same pass as the ensemble. */
  member_accuracies: number[];
  /** Test accuracy of the ensemble (mean of the members' probabilities, integer semantics). */
  accuracy: number;
  /** Test examples scored. */
  n: number;
  /** Members x the architecture's KiB at the stored bit width. */
  kib: number;
  /** Sum of the members' exported parameter KiB (null when a member's is unknown). */
  file_kib: number | null;
  /** Sum of the member files' sizes. */
  file_bytes: number;
  macs: number;
  binary_macs: number;
  activations: number;
  /** The largest member arena (members run one after another). */
  arena_bytes: number | null;
  /** Front end counted once, every member's inference terms (null before calibration). */
  device_instr_per_s: number | null;
  seconds: number;
}
