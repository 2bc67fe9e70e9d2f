/**
 * Seed 000's iterative search (§IV-A, Table I): for each family (bit width), explore MFCC count,
 * then residual depth, then kernel size, then filters, each with the best values found so far
 * for the others; skip architectures over the size cap (counted at the family's stored width);
 * train every retained one `seeds` times and carry the value whose best seed scores highest on
 * validation into the next step. When no value of a step fits under the cap, the carried value
 * stays.
 *
 * Resumable: every finished (candidate, seed) is a record in the store; a rerun trains only what
 * the store lacks, and because each step's choice is a function of the records, it retraces the
 * same path.
 */
import { type Arch, BASELINE, type Candidate, candidateKey, type Family, TABLE_I } from "./space";
import { type CandidateRecord, recordId } from "./store";

export interface PlannedJob {
  candidate: Candidate;
  key: string;
  seed: number;
  step: string;
}

export interface StepOutcome {
  family: Family;
  step: string;
  /** Values tried (under the cap) with their score (best validation accuracy over seeds). */
  tried: { value: number; kib: number; score: number | null }[];
  /** Values over the size cap. */
  skipped: { value: number; kib: number }[];
  chosen: number;
}

export interface IterativeOptions {
  families: Family[];
  seeds: number;
  /** Size cap in KiB at the stored bit width. */
  capKib: number;
  /** Table I or a smaller space (tests, --quick). */
  space?: readonly { param: keyof Arch; values: readonly number[] }[];
  start?: Arch;
}

export interface IterativeHooks {
  /** KiB at the stored width of a candidate (no training). */
  sizeKib(c: Candidate): number;
  /** Records already in the store. */
  done: Map<string, CandidateRecord>;
  /** Trains the jobs (in parallel, in any order) and returns their records. */
  run(jobs: PlannedJob[]): Promise<CandidateRecord[]>;
  onStep?(o: StepOutcome): void;
}

export interface IterativeResult {
  steps: StepOutcome[];
  best: Record<string, { arch: Arch; score: number | null }>;
}

/** Best validation accuracy over a candidate's seeds (null when none trained). */
function score(records: CandidateRecord[]): number | null {
  const v = records.map((r) => r.val_accuracy).filter((x): x is number => x !== null);
  return v.length ? Math.max(...v) : null;
}

export async function iterativeSearch(
  o: IterativeOptions,
  h: IterativeHooks,
): Promise<IterativeResult> {
  const space = o.space ?? TABLE_I;
  const steps: StepOutcome[] = [];
  const best: IterativeResult["best"] = {};
  for (const family of o.families) {
    let arch: Arch = { ...(o.start ?? BASELINE) };
    let archScore: number | null = null;
    for (const { param, values } of space) {
      const tried: StepOutcome["tried"] = [];
      const skipped: StepOutcome["skipped"] = [];
      const retained: Candidate[] = [];
      for (const value of values) {
        const c: Candidate = { family, arch: { ...arch, [param]: value } };
        const kib = h.sizeKib(c);
        if (kib > o.capKib) skipped.push({ value, kib });
        else retained.push(c);
      }
      const jobs: PlannedJob[] = [];
      for (const c of retained)
        for (let seed = 0; seed < o.seeds; seed++) {
          const key = candidateKey(c);
          if (!h.done.has(recordId(key, seed))) jobs.push({ candidate: c, key, seed, step: param });
        }
      if (jobs.length) for (const r of await h.run(jobs)) h.done.set(recordId(r.key, r.seed), r);
      let chosen = arch[param];
      let chosenScore: number | null = null;
      for (const c of retained) {
        const key = candidateKey(c);
        const recs = [...Array(o.seeds).keys()]
          .map((s) => h.done.get(recordId(key, s)))
          .filter((r): r is CandidateRecord => r !== undefined);
        const sc = score(recs);
        tried.push({ value: c.arch[param], kib: h.sizeKib(c), score: sc });
        // Ties keep the earlier (smaller) value.
        if (sc !== null && (chosenScore === null || sc > chosenScore)) {
          chosen = c.arch[param];
          chosenScore = sc;
        }
      }
      arch = { ...arch, [param]: chosen };
      if (chosenScore !== null) archScore = chosenScore;
      const outcome = { family, step: param, tried, skipped, chosen };
      steps.push(outcome);
      h.onStep?.(outcome);
    }
    best[family] = { arch, score: archScore };
  }
  return { steps, best };
}
