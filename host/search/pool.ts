/**
 * Runs candidate jobs in worker processes, `workers` at a time: each is a real
 * `earshot search candidate --job FILE --json` (its log in the run folder), and each record is
 * handed to `onRecord` (which appends it to the store) the moment its process ends, so a kill
 * loses only the candidates in flight.
 */
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CandidateJob } from "./candidate";
import { SearchError } from "./errors";
import type { CandidateRecord } from "./store";

const CLI = resolve(import.meta.dirname, "../../bin/earshot.js");

/** Worker processes alive now: a killed search ends them too (their runs are lost, not orphaned). */
const live = new Set<ReturnType<typeof spawn>>();
let handlersInstalled = false;

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const sig of ["SIGINT", "SIGTERM"] as const)
    process.once(sig, () => {
      for (const c of live) c.kill("SIGTERM");
      process.exit(130);
    });
}

function runOne(job: CandidateJob): Promise<CandidateRecord> {
  mkdirSync(job.runDir, { recursive: true });
  const jobFile = join(job.runDir, "job.json");
  writeFileSync(jobFile, JSON.stringify(job));
  const log = createWriteStream(join(job.runDir, "candidate.log"));
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [CLI, "search", "candidate", "--job", jobFile, "--json"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    live.add(child);
    installHandlers();
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.pipe(log);
    child.on("error", fail);
    child.on("close", (code) => {
      live.delete(child);
      log.end();
      const line = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0)
        return fail(
          new SearchError(
            `candidate ${jobFile} failed (exit ${code}); see ${join(job.runDir, "candidate.log")}`,
          ),
        );
      try {
        done(JSON.parse(line) as CandidateRecord);
      } catch {
        fail(new SearchError(`candidate ${jobFile} printed no record`));
      }
    });
  });
}

/** Runs `jobs` with at most `workers` processes; resolves with every record (or rejects on the first failure, after the others end). */
export async function runPool<J = CandidateJob>(
  jobs: J[],
  workers: number,
  onRecord: (r: CandidateRecord) => void,
  run: (job: J) => Promise<CandidateRecord> = runOne as unknown as (
    job: J,
  ) => Promise<CandidateRecord>,
): Promise<CandidateRecord[]> {
  const out: CandidateRecord[] = [];
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (next < jobs.length && failure === null) {
      const job = jobs[next++];
      try {
        const r = await run(job);
        onRecord(r);
        out.push(r);
      } catch (e) {
        failure = e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
  if (failure !== null) throw failure;
  return out;
}
