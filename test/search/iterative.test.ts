import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { iterativeSearch, type PlannedJob } from "../../host/search/iterative";
import { runPool } from "../../host/search/pool";
import { type Arch, type Candidate, candidateKey, TABLE_I } from "../../host/search/space";
import {
  appendRecord,
  type CandidateRecord,
  openStore,
  readRecords,
  recordId,
} from "../../host/search/store";

/** A made-up size: grows with depth, kernel and filters, so the cap cuts the big corners. */
const size = (c: Candidate) =>
  (c.arch.depth * c.arch.kernel * c.arch.kernel * c.arch.filters * c.arch.filters) / 1000 +
  c.arch.mfcc / 100;

/** A made-up validation accuracy with a known best per step; seed 1 is always a bit better. */
function accuracy(a: Arch, seed: number): number {
  const target = { mfcc: 20, depth: 4, kernel: 5, filters: 16 };
  let s = 0.9;
  for (const k of Object.keys(target) as (keyof Arch)[]) s -= Math.abs(a[k] - target[k]) / 1000;
  return s + seed * 0.001;
}

function record(j: PlannedJob): CandidateRecord {
  return {
    search: "iterative",
    key: j.key,
    family: j.candidate.family,
    bits: 8,
    config: { ...j.candidate.arch },
    seed: j.seed,
    step: j.step,
    val_accuracy: accuracy(j.candidate.arch, j.seed),
    accuracy: accuracy(j.candidate.arch, j.seed) - 0.05,
    int_accuracy: null,
    params: 0,
    kib: size(j.candidate),
    file_kib: null,
    macs: 1,
    binary_macs: 0,
    activations: 1,
    arena_bytes: null,
    device_instr_per_s: null,
    seconds: 0,
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("iterative search (seed 000 Table I)", () => {
  it("explores MFCC, depth, kernel, filters in order, carries the best forward, skips over-cap sizes", async () => {
    const batches: PlannedJob[][] = [];
    const cap = 40;
    const r = await iterativeSearch(
      { families: ["int8"], seeds: 2, capKib: cap },
      {
        sizeKib: size,
        done: new Map(),
        run: async (jobs) => {
          batches.push(jobs);
          return jobs.map(record);
        },
      },
    );
    expect(batches.map((b) => b[0].step)).toEqual(["mfcc", "depth", "kernel", "filters"]);
    // Every job is under the cap, each retained candidate trained with seeds 0 and 1.
    for (const b of batches) for (const j of b) expect(size(j.candidate)).toBeLessThanOrEqual(cap);
    for (const b of batches) {
      const keys = [...new Set(b.map((j) => j.key))];
      for (const k of keys) expect(b.filter((j) => j.key === k).map((j) => j.seed)).toEqual([0, 1]);
    }
    // Step 1 varies only the MFCC count around Table I's defaults.
    expect(batches[0].map((j) => j.candidate.arch.mfcc)).toEqual([10, 10, 20, 20, 40, 40]);
    expect(
      batches[0].every((j) => j.candidate.arch.depth === 3 && j.candidate.arch.filters === 19),
    ).toBe(true);
    // Step 2 starts from the MFCC count step 1 chose (20), and so on.
    expect(batches[1].every((j) => j.candidate.arch.mfcc === 20)).toBe(true);
    expect(
      batches[2].every((j) => j.candidate.arch.mfcc === 20 && j.candidate.arch.depth === 4),
    ).toBe(true);
    expect(batches[3].every((j) => j.candidate.arch.kernel === 5)).toBe(true);
    // The cap removed kernels 7 and 9 at depth 4, filters 19.
    const kernelStep = r.steps[2];
    expect(kernelStep.skipped.map((s) => s.value)).toEqual(
      TABLE_I[2].values.filter(
        (k) => size({ family: "int8", arch: { mfcc: 20, depth: 4, kernel: k, filters: 19 } }) > cap,
      ),
    );
    expect(kernelStep.skipped.length).toBeGreaterThan(0);
    expect(r.best.int8.arch).toEqual({ mfcc: 20, depth: 4, kernel: 5, filters: 16 });
  });

  it("keeps the carried value when every value of a step is over the cap", async () => {
    const r = await iterativeSearch(
      { families: ["binary"], seeds: 1, capKib: 0 },
      { sizeKib: size, done: new Map(), run: async (jobs) => jobs.map(record) },
    );
    expect(r.steps.every((s) => s.tried.length === 0)).toBe(true);
    expect(r.best.binary.arch).toEqual({ mfcc: 40, depth: 3, kernel: 3, filters: 19 });
  });

  it("resumes after a kill: only the missing runs train, and the path is the same", async () => {
    const opts = { families: ["int8" as const], seeds: 2, capKib: 40 };
    const full: string[] = [];
    const uninterrupted = await iterativeSearch(opts, {
      sizeKib: size,
      done: new Map(),
      run: async (jobs) => {
        full.push(...jobs.map((j) => recordId(j.key, j.seed)));
        return jobs.map(record);
      },
    });

    const dir = mkdtempSync(join(tmpdir(), "earshot-search-"));
    dirs.push(dir);
    openStore(dir, opts);
    // First attempt: the process dies after 7 runs (one of them mid-write).
    let finished = 0;
    const killed = iterativeSearch(opts, {
      sizeKib: size,
      done: new Map(),
      run: (jobs) =>
        runPool(
          jobs,
          2,
          (r) => appendRecord(dir, r),
          async (j) => {
            if (finished === 7) throw new Error("killed");
            finished++;
            return record(j);
          },
        ),
    });
    await expect(killed).rejects.toThrow("killed");
    writeFileSync(
      join(dir, "results.jsonl"),
      `${readFileSync(join(dir, "results.jsonl"), "utf8")}{"key":"torn`,
    );
    expect(readRecords(dir)).toHaveLength(7);

    openStore(dir, opts);
    const done = new Map(readRecords(dir).map((r) => [recordId(r.key, r.seed), r]));
    const second: string[] = [];
    const resumed = await iterativeSearch(opts, {
      sizeKib: size,
      done,
      run: (jobs) =>
        runPool(
          jobs,
          2,
          (r) => appendRecord(dir, r),
          async (j) => {
            second.push(recordId(j.key, j.seed));
            return record(j);
          },
        ),
    });
    expect(second).toHaveLength(full.length - 7);
    expect(
      new Set([
        ...second,
        ...readRecords(dir)
          .slice(0, 7)
          .map((r) => recordId(r.key, r.seed)),
      ]),
    ).toEqual(new Set(full));
    expect(resumed.best).toEqual(uninterrupted.best);
    expect(resumed.steps).toEqual(uninterrupted.steps);
    // The store now holds every run once (the torn line is skipped, not duplicated).
    expect(
      readRecords(dir)
        .map((r) => recordId(r.key, r.seed))
        .sort(),
    ).toEqual([...full].sort());
  });

  it("refuses to resume a store started with other options", () => {
    const dir = mkdtempSync(join(tmpdir(), "earshot-search-"));
    dirs.push(dir);
    openStore(dir, { seeds: 2 });
    expect(() => openStore(dir, { seeds: 3 })).toThrow(/other options/);
  });

  it("names candidates stably", () => {
    expect(
      candidateKey({ family: "binary", arch: { mfcc: 10, depth: 6, kernel: 5, filters: 32 } }),
    ).toBe("binary/m10-d6-k5-f32");
  });
});
