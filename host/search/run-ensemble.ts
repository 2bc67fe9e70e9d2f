/**
 * `earshot search ensemble --from DIR`: seed 000's binary ensembles (§IV-C) from an iterative
 * search's results store, around buildEnsembles (ensemble.ts). Members the search trained are
 * its own `runs/<key>_s<seed>/model.esm`; the others train in worker processes with the search's
 * data, split and budget into `DIR/ensembles/runs/`, their records in
 * `DIR/ensembles/members.jsonl`. Ensembles are scored on the search's test subset with the
 * device's integer semantics (the `earshot ensemble` evaluator) and appended to
 * `DIR/ensembles.jsonl`, which `earshot pareto DIR` draws as its own series.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ensembleAccuracy, scoreMembers } from "../eval/ensemble";
import type { Budget, CandidateJob } from "./candidate";
import { buildEnsembles, type Member, type MemberScoring } from "./ensemble";
import { SearchError } from "./errors";
import { runPool } from "./pool";
import {
  appendRecord,
  type CandidateRecord,
  ENSEMBLES_FILE,
  type EnsembleRecord,
  OPTIONS_FILE,
  readRecords,
  recordId,
  runFolder,
} from "./store";

/** Where the extra members live inside the search folder. */
export const ENSEMBLE_DIR = "ensembles";
export const MEMBERS_FILE = "members.jsonl";

export interface EnsembleCommandOptions {
  /** The iterative search's folder. */
  from: string;
  archs: number;
  sizes: number[];
  workers: number;
  calibCount: number;
}

/** What `earshot search iterative` wrote in search.json. */
interface SearchOptionsFile {
  search: string;
  data: string;
  splitMode: "auto" | "speaker";
  budget: Budget;
}

export interface EnsembleCommandReport {
  from: string;
  results: string;
  /** Members trained now (the rest reused). */
  trained: number;
  /** Every ensemble of the store, earlier runs' included. */
  ensembles: EnsembleRecord[];
}

function readSearchOptions(dir: string): SearchOptionsFile {
  const path = join(dir, OPTIONS_FILE);
  if (!existsSync(path))
    throw new SearchError(
      `${dir}: no ${OPTIONS_FILE} (give a folder written by earshot search iterative)`,
    );
  const o = JSON.parse(readFileSync(path, "utf8")) as SearchOptionsFile;
  if (o.search !== "iterative")
    throw new SearchError(
      `${dir} holds a '${o.search}' search; ensembles are built from an iterative search's binary candidates`,
    );
  return o;
}

const range = (k: number) => [...Array(k).keys()];

export async function runEnsembleCommand(
  o: EnsembleCommandOptions,
): Promise<EnsembleCommandReport> {
  const search = readSearchOptions(o.from);
  const ensDir = join(o.from, ENSEMBLE_DIR);
  mkdirSync(ensDir, { recursive: true });
  const say = (l: string) => process.stderr.write(`${l}\n`);
  const records = readRecords(o.from);
  const fromSearch = new Map(records.map((r) => [recordId(r.key, r.seed), r]));
  const extra = new Map(readRecords(ensDir, MEMBERS_FILE).map((r) => [recordId(r.key, r.seed), r]));
  /** A record whose run left an exported file, as a member (`prefix` = its store's folder). */
  const asMember = (prefix: string, r: CandidateRecord | undefined): Member | null => {
    if (!r || r.error !== undefined) return null;
    const name = join(prefix, "runs", runFolder(r.key, r.seed), "model.esm");
    const file = join(o.from, name);
    if (!existsSync(file)) return null;
    return { file, name, bytes: statSync(file).size, record: r };
  };
  const done = new Set(readRecords<EnsembleRecord>(o.from, ENSEMBLES_FILE).map((r) => r.key));
  let trained = 0;
  await buildEnsembles(
    records,
    { archs: o.archs, sizes: o.sizes },
    {
      done,
      member: (key, seed) =>
        asMember("", fromSearch.get(recordId(key, seed))) ??
        asMember(ENSEMBLE_DIR, extra.get(recordId(key, seed))),
      train: async (jobs) => {
        say(
          `ensemble: training ${jobs.length} member(s) the search has not: ${jobs.map((j) => `${j.key} seed ${j.seed}`).join(", ")}`,
        );
        const recs = await runPool(
          jobs.map(
            (j): CandidateJob => ({
              candidate: j.candidate,
              seed: j.seed,
              step: "ensemble",
              data: search.data,
              splitMode: search.splitMode,
              budget: search.budget,
              runDir: join(ensDir, "runs", runFolder(j.key, j.seed)),
              calibCount: o.calibCount,
            }),
          ),
          o.workers,
          (r) => {
            appendRecord(ensDir, r, MEMBERS_FILE);
            extra.set(recordId(r.key, r.seed), r);
            trained++;
            say(
              `${r.key} seed ${r.seed}: test ${r.int_accuracy === null ? "-" : `${(r.int_accuracy * 100).toFixed(1)}%`} ${r.seconds.toFixed(0)} s${r.error ? ` (${r.error})` : ""}`,
            );
          },
        );
        return recs.map((r) => asMember(ENSEMBLE_DIR, r)).filter((m): m is Member => m !== null);
      },
      score: async (files, sizes): Promise<MemberScoring> => {
        const s = await scoreMembers(files, {
          data: search.data,
          splitMode: search.splitMode,
          subset: "test",
        });
        return {
          n: s.truth.length,
          members: files.map((_, i) => ensembleAccuracy(s, [i])),
          ensembles: new Map(sizes.map((k) => [k, ensembleAccuracy(s, range(k))])),
        };
      },
      onRecord: (r) => {
        appendRecord(o.from, r, ENSEMBLES_FILE);
        say(formatEnsemble(r));
      },
      onSkip: (key, why) => say(`ensemble: ${key} skipped: ${why}`),
    },
  );
  return {
    from: o.from,
    results: join(o.from, ENSEMBLES_FILE),
    trained,
    ensembles: readRecords<EnsembleRecord>(o.from, ENSEMBLES_FILE),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** One line: the ensemble, its members alone, the gain over their mean, its costs. */
export function formatEnsemble(r: EnsembleRecord): string {
  const mean = r.member_accuracies.reduce((a, b) => a + b, 0) / r.member_accuracies.length;
  const gain = (r.accuracy - mean) * 100;
  return `${r.key}: ${pct(r.accuracy)} on ${r.n} test clips (members ${r.member_accuracies.map(pct).join(", ")}; ${gain >= 0 ? "+" : ""}${gain.toFixed(2)} points over their mean), ${r.kib.toFixed(2)} KiB, ${(r.macs / 1e6).toFixed(2)}M MACs`;
}

export function formatEnsembleReport(r: EnsembleCommandReport): string {
  return [
    `ensembles of ${r.from}: ${r.trained} member(s) trained now; records in ${r.results}`,
    ...r.ensembles.map(formatEnsemble),
    `fronts: earshot pareto ${r.from} --out DIR`,
  ].join("\n");
}
