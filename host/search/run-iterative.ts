/**
 * `earshot search iterative`: the store, the worker pool and the progress around
 * iterativeSearch (iterative.ts).
 */
import { join } from "node:path";
import { loadBackend } from "../train/backend";
import { type Budget, type CandidateJob, candidateCost } from "./candidate";
import { type IterativeResult, iterativeSearch, type StepOutcome } from "./iterative";
import { runPool } from "./pool";
import { type Candidate, candidateKey, type Family, TABLE_I } from "./space";
import { appendRecord, openStore, readRecords, recordId, runFolder } from "./store";

export interface IterativeCommandOptions {
  families: Family[];
  data: string;
  out: string;
  splitMode: "auto" | "speaker";
  budget: Budget;
  seeds: number;
  capKib: number;
  workers: number;
  calibCount: number;
  json: boolean;
  /** A progress bar over `total` candidate runs (the CLI's). */
  progress?: (total: number) => {
    tick(n?: number, payload?: Record<string, string | number>): void;
    stop(): void;
  };
}

export interface IterativeReport extends IterativeResult {
  out: string;
  results: string;
  trained: number;
  reused: number;
}

export async function runIterativeCommand(o: IterativeCommandOptions): Promise<IterativeReport> {
  await loadBackend({ quiet: true });
  openStore(o.out, {
    search: "iterative",
    families: o.families,
    data: o.data,
    splitMode: o.splitMode,
    budget: o.budget,
    seeds: o.seeds,
    capKib: o.capKib,
  });
  const records = readRecords(o.out);
  const done = new Map(records.map((r) => [recordId(r.key, r.seed), r]));
  const reused = done.size;
  const say = (l: string) => process.stderr.write(`${l}\n`);
  if (reused) say(`search: resuming ${o.out} with ${reused} trained candidate runs`);
  const sizes = new Map<string, number>();
  const sizeKib = (c: Candidate) => {
    const k = candidateKey(c);
    if (!sizes.has(k)) sizes.set(k, candidateCost(c).bytes / 1024);
    return sizes.get(k) as number;
  };
  // Upper bound: every Table I value of every family (values over the cap tick as skipped).
  const total = o.families.length * TABLE_I.reduce((n, s) => n + s.values.length, 0) * o.seeds;
  const bar = o.progress?.(total) ?? { tick() {}, stop() {} };
  bar.tick(reused, { last: "resumed" });
  let trained = 0;
  const result = await iterativeSearch(
    { families: o.families, seeds: o.seeds, capKib: o.capKib },
    {
      sizeKib,
      done,
      run: (jobs) =>
        runPool(
          jobs.map(
            (j): CandidateJob => ({
              candidate: j.candidate,
              seed: j.seed,
              step: j.step,
              data: o.data,
              splitMode: o.splitMode,
              budget: o.budget,
              runDir: join(o.out, "runs", runFolder(j.key, j.seed)),
              calibCount: o.calibCount,
            }),
          ),
          o.workers,
          (r) => {
            appendRecord(o.out, r);
            trained++;
            const acc = r.accuracy === null ? "-" : `${(r.accuracy * 100).toFixed(1)}%`;
            const line = `${r.key} seed ${r.seed}: val ${r.val_accuracy === null ? "-" : (r.val_accuracy * 100).toFixed(1)}% test ${acc} ${r.kib.toFixed(2)} KiB ${(r.macs / 1e6).toFixed(2)}M MACs ${r.seconds.toFixed(0)} s${r.error ? ` (${r.error})` : ""}`;
            bar.tick(1, { last: line });
            if (process.stderr.isTTY !== true || o.json) say(line);
          },
        ),
      onStep: (s: StepOutcome) => {
        bar.tick(s.skipped.length * o.seeds, { last: `${s.family} ${s.step} -> ${s.chosen}` });
        say(
          `${s.family} ${s.step}: ${s.tried.map((t) => `${t.value}=${t.score === null ? "-" : (t.score * 100).toFixed(1)}%`).join(" ")}${s.skipped.length ? `; over the cap: ${s.skipped.map((x) => `${x.value} (${x.kib.toFixed(1)} KiB)`).join(", ")}` : ""} -> ${s.chosen}`,
        );
      },
    },
  );
  bar.stop();
  return { ...result, out: o.out, results: join(o.out, "results.jsonl"), trained, reused };
}

export function formatIterative(r: IterativeReport): string {
  const lines = [
    `search ${r.out}: ${r.trained} candidate runs trained now, ${r.reused} reused; records in ${r.results}`,
  ];
  for (const [family, b] of Object.entries(r.best))
    lines.push(
      `${family}: best m${b.arch.mfcc}-d${b.arch.depth}-k${b.arch.kernel}-f${b.arch.filters} (validation ${b.score === null ? "-" : `${(b.score * 100).toFixed(2)}%`})`,
    );
  if ("binary" in r.best) lines.push(`binary ensembles: earshot search ensemble --from ${r.out}`);
  lines.push(`fronts: earshot pareto ${r.out} --out DIR`);
  return lines.join("\n");
}
