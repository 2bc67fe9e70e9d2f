/**
 * Seed 000's binary ensembles from a search's results (§IV-C): members come from the smallest
 * binary architectures the search trained, whatever their accuracy, as seeds 0..K-1; the search's
 * own trainings are reused; costs add up; a rerun builds nothing twice. The last test runs the
 * real command on the committed fixtures with a one-step budget.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildEnsembles,
  ensembleKey,
  type Member,
  type MemberJob,
  smallestBinary,
} from "../../host/search/ensemble";
import type { Family } from "../../host/search/space";
import {
  type CandidateRecord,
  type EnsembleRecord,
  readRecords,
  recordId,
  runFolder,
} from "../../host/search/store";
import { FIXTURE_SPEECH } from "../speech-data";

function rec(
  key: string,
  seed: number,
  kib: number,
  acc: number,
  search = "iterative",
): CandidateRecord {
  const family = key.split("/")[0] as Family;
  const [m, d, k, f] = (key.split("/")[1].match(/\d+/g) ?? []).map(Number);
  return {
    search,
    key,
    family,
    bits: family === "binary" ? 1 : 8,
    config: { mfcc: m, depth: d, kernel: k, filters: f },
    seed,
    step: "filters",
    val_accuracy: acc,
    accuracy: acc,
    int_accuracy: acc,
    params: 100,
    kib,
    file_kib: kib + 0.5,
    macs: 1000 * kib,
    binary_macs: 800 * kib,
    activations: 50,
    arena_bytes: 100 + seed,
    device_instr_per_s: null,
    seconds: 1,
  };
}

/** A search store: int8 nets smaller than every binary one, and binary nets of several sizes, 2 seeds each. */
const SEARCH: CandidateRecord[] = [
  ...[0, 1].map((s) => rec("int8/m10-d2-k3-f4", s, 0.5, 0.7)),
  ...[0, 1].map((s) => rec("binary/m40-d3-k3-f19", s, 9, 0.8)),
  ...[0, 1].map((s) => rec("binary/m10-d2-k3-f4", s, 2, 0.3)), // smallest, and the worst
  ...[0, 1].map((s) => rec("binary/m10-d2-k3-f8", s, 3, 0.5)),
  ...[0, 1].map((s) => rec("binary/m10-d3-k3-f8", s, 4, 0.6)),
];

/** Hooks over an in-memory store: the search trained seeds 0 and 1. */
function fakeHooks(done = new Set<string>()) {
  const have = new Map<string, CandidateRecord>(SEARCH.map((r) => [recordId(r.key, r.seed), r]));
  const trainedJobs: MemberJob[] = [];
  const scored: string[][] = [];
  const out: EnsembleRecord[] = [];
  const asMember = (r: CandidateRecord): Member => ({
    file: `${r.key}#${r.seed}.esm`,
    name: `runs/${runFolder(r.key, r.seed)}/model.esm`,
    bytes: 1000,
    record: r,
  });
  return {
    trainedJobs,
    scored,
    out,
    hooks: {
      done,
      member: (key: string, seed: number) => {
        const r = have.get(recordId(key, seed));
        return r ? asMember(r) : null;
      },
      train: async (jobs: MemberJob[]) => {
        trainedJobs.push(...jobs);
        return jobs.map((j) => {
          const r = {
            ...rec(j.key, j.seed, SEARCH.find((x) => x.key === j.key)?.kib ?? 0, 0.4),
            step: "ensemble",
          };
          have.set(recordId(j.key, j.seed), r);
          return asMember(r);
        });
      },
      // Made-up scores: member i alone 0.3 + 0.01 i; an ensemble of k gains 0.02 per member.
      score: async (files: string[], sizes: number[]) => {
        scored.push(files);
        return {
          n: 10,
          members: files.map((_, i) => 0.3 + 0.01 * i),
          ensembles: new Map(sizes.map((k) => [k, 0.3 + 0.02 * k])),
        };
      },
      onRecord: (r: EnsembleRecord) => out.push(r),
    },
  };
}

describe("binary ensembles from a search (seed 000 §IV-C)", () => {
  it("takes the smallest binary architectures, whatever their accuracy, and no int8 or proxyless one", () => {
    const withProxyless = [...SEARCH, rec("binary/m10-d1-k1-f1", 0, 0.1, 0.9, "proxyless")];
    expect(smallestBinary(withProxyless, 3).map((r) => r.key)).toEqual([
      "binary/m10-d2-k3-f4",
      "binary/m10-d2-k3-f8",
      "binary/m10-d3-k3-f8",
    ]);
    expect(smallestBinary(SEARCH, 10)).toHaveLength(4);
  });

  it("builds 2- and 3-member ensembles of seeds 0..2, reusing the search's seeds and training only seed 2", async () => {
    const f = fakeHooks();
    const built = await buildEnsembles(SEARCH, { archs: 2, sizes: [3, 2] }, f.hooks);
    // Members only from the two smallest binary architectures; the search had seeds 0 and 1.
    expect(f.trainedJobs.map((j) => `${j.key}#${j.seed}`)).toEqual([
      "binary/m10-d2-k3-f4#2",
      "binary/m10-d2-k3-f8#2",
    ]);
    expect(f.trainedJobs[0].candidate).toEqual({
      family: "binary",
      arch: { mfcc: 10, depth: 2, kernel: 3, filters: 4 },
    });
    // Each architecture scored once with all three members, in seed order.
    expect(f.scored).toEqual([
      ["binary/m10-d2-k3-f4#0.esm", "binary/m10-d2-k3-f4#1.esm", "binary/m10-d2-k3-f4#2.esm"],
      ["binary/m10-d2-k3-f8#0.esm", "binary/m10-d2-k3-f8#1.esm", "binary/m10-d2-k3-f8#2.esm"],
    ]);
    expect(built.map((r) => r.key)).toEqual([
      "2x binary/m10-d2-k3-f4",
      "3x binary/m10-d2-k3-f4",
      "2x binary/m10-d2-k3-f8",
      "3x binary/m10-d2-k3-f8",
    ]);
    expect(f.out).toEqual(built);
    const three = built[1];
    expect(three.seeds).toEqual([0, 1, 2]);
    expect(three.member_key).toBe("binary/m10-d2-k3-f4");
    expect(three.accuracy).toBeCloseTo(0.36, 10);
    expect(three.member_accuracies).toEqual([0.3, 0.31, 0.32]);
    // Costs: the members' together (sizes at the stored bit width, MACs), the largest arena.
    expect(three.kib).toBeCloseTo(3 * 2, 10);
    expect(three.file_kib).toBeCloseTo(3 * 2.5, 10);
    expect(three.file_bytes).toBe(3000);
    expect(three.macs).toBe(3 * 2000);
    expect(three.binary_macs).toBe(3 * 1600);
    expect(three.arena_bytes).toBe(102);
    expect(three.files).toEqual([0, 1, 2].map((s) => `runs/binary_m10-d2-k3-f4_s${s}/model.esm`));
    expect(built[0].kib).toBeCloseTo(2 * 2, 10);
    expect(built[0].seeds).toEqual([0, 1]);
  });

  it("resumes: recorded ensembles are neither trained nor scored again", async () => {
    const done = new Set([ensembleKey("binary/m10-d2-k3-f4", 2)]);
    const f = fakeHooks(done);
    const built = await buildEnsembles(SEARCH, { archs: 1, sizes: [2] }, f.hooks);
    expect(built).toEqual([]);
    expect(f.trainedJobs).toEqual([]);
    expect(f.scored).toEqual([]);
    // Asking for 3 members as well builds only the 3-member one.
    const again = await buildEnsembles(SEARCH, { archs: 1, sizes: [2, 3] }, f.hooks);
    expect(again.map((r) => r.key)).toEqual(["3x binary/m10-d2-k3-f4"]);
  });

  it("refuses a one-member ensemble and a search without binary candidates", async () => {
    await expect(
      buildEnsembles(SEARCH, { archs: 1, sizes: [1] }, fakeHooks().hooks),
    ).rejects.toThrow(/at least 2/);
    await expect(
      buildEnsembles(
        SEARCH.filter((r) => r.family === "int8"),
        { archs: 1, sizes: [2] },
        fakeHooks().hooks,
      ),
    ).rejects.toThrow(/no trained binary candidate/);
  });
});

describe("earshot search ensemble on the fixtures", () => {
  const dir = mkdtempSync(join(tmpdir(), "earshot-search-ens-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ["bin/earshot.js", ...args], {
      encoding: "utf8",
      timeout: 300_000,
    });

  it("reuses the search's seed-0 member, trains seed 1, records the ensemble, and pareto draws it", () => {
    const search = join(dir, "search");
    const budget = { epochs: 1, stepsPerEpoch: 2, batchSize: 4 };
    mkdirSync(search, { recursive: true });
    writeFileSync(
      join(search, "search.json"),
      JSON.stringify({
        search: "iterative",
        families: ["binary"],
        data: FIXTURE_SPEECH.full,
        splitMode: "auto",
        budget,
        seeds: 1,
        capKib: 80,
      }),
    );
    // The search's own training of the smallest binary net, as a worker would have run it.
    const candidate = { family: "binary", arch: { mfcc: 10, depth: 2, kernel: 3, filters: 4 } };
    const runDir = join(search, "runs", runFolder("binary/m10-d2-k3-f4", 0));
    const job = join(dir, "job.json");
    writeFileSync(
      job,
      JSON.stringify({
        candidate,
        seed: 0,
        step: "mfcc",
        data: FIXTURE_SPEECH.full,
        splitMode: "auto",
        budget,
        runDir,
        calibCount: 8,
      }),
    );
    const trained = cli("search", "candidate", "--job", job, "--json");
    expect(trained.status).toBe(0);
    const seed0 = JSON.parse(trained.stdout.trim().split("\n").pop() as string) as CandidateRecord;
    const bigger = { ...seed0, key: "binary/m40-d3-k3-f19", kib: seed0.kib * 20 };
    writeFileSync(
      join(search, "results.jsonl"),
      `${JSON.stringify(seed0)}\n${JSON.stringify(bigger)}\n`,
    );

    const r = cli(
      "search",
      "ensemble",
      "--from",
      search,
      "--archs",
      "1",
      "--members",
      "2",
      "--json",
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(
      /training 1 member\(s\) the search has not: binary\/m10-d2-k3-f4 seed 1/,
    );
    const report = JSON.parse(r.stdout);
    expect(report.trained).toBe(1);
    const ens = readRecords<EnsembleRecord>(search, "ensembles.jsonl");
    expect(ens.map((e) => e.key)).toEqual(["2x binary/m10-d2-k3-f4"]);
    expect(ens[0].files).toEqual([
      join("runs", "binary_m10-d2-k3-f4_s0", "model.esm"),
      join("ensembles", "runs", "binary_m10-d2-k3-f4_s1", "model.esm"),
    ]);
    for (const f of ens[0].files) expect(existsSync(join(search, f))).toBe(true);
    expect(ens[0].kib).toBeCloseTo(2 * seed0.kib, 10);
    expect(ens[0].macs).toBe(2 * seed0.macs);
    expect(ens[0].member_accuracies).toHaveLength(2);
    expect(ens[0].accuracy).toBeGreaterThanOrEqual(0);
    expect(ens[0].n).toBeGreaterThan(0);
    // The extra member is recorded beside, not among the search's candidates.
    expect(readRecords(search)).toHaveLength(2);
    expect(readRecords(join(search, "ensembles"), "members.jsonl").map((x) => x.seed)).toEqual([1]);

    // Again: nothing to train or score.
    const again = cli(
      "search",
      "ensemble",
      "--from",
      search,
      "--archs",
      "1",
      "--members",
      "2",
      "--json",
    );
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).trained).toBe(0);
    expect(readFileSync(join(search, "ensembles.jsonl"), "utf8").trim().split("\n")).toHaveLength(
      1,
    );

    // earshot pareto: the ensemble in --json and in the table, as its own series.
    const p = cli("pareto", search, "--out", join(dir, "fronts"), "--json");
    expect(p.status).toBe(0);
    const j = JSON.parse(p.stdout);
    expect(j.ensembles.map((e: { config: { key: string } }) => e.config.key)).toEqual([
      "2x binary/m10-d2-k3-f4",
    ]);
    expect(j.ensembles[0].config.series).toBe("binary ensemble");
    expect(j.ensembles[0].kib).toBeCloseTo(ens[0].kib, 10);
    expect(j.ensembles[0].accuracy).toBe(ens[0].accuracy);
    expect(readFileSync(join(dir, "fronts", "fronts.md"), "utf8")).toContain(
      "| 2x binary/m10-d2-k3-f4 |",
    );
    // Three trainings, two scorings and a pareto run in child processes: minutes on a busy machine.
  }, 300_000);

  it("names a folder that is not an iterative search in one line", () => {
    const r = cli("search", "ensemble", "--from", join(dir, "nothing"));
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/no search\.json/);
  });
});
