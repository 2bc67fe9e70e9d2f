/**
 * `--family float`: candidates sized at 32 bits per parameter, trained without quantization,
 * scored by the tfjs model (no integer file), and without a device cost (the device runtime
 * runs integer files only).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { candidateCost } from "../../host/search/candidate";
import { candidatePoints } from "../../host/search/pareto";
import { trainSpec } from "../../host/search/space";
import { type CandidateRecord, runFolder } from "../../host/search/store";
import { FIXTURE_SPEECH } from "../speech-data";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const ARCH = { mfcc: 10, depth: 2, kernel: 3, filters: 8 };

describe("the float family", () => {
  it("is res8 trained at float precision, and its size counts every parameter at 32 bits", () => {
    expect(trainSpec({ family: "float", arch: ARCH })).toMatchObject({
      model: "res8",
      precision: "float",
    });
    const f = candidateCost({ family: "float", arch: ARCH });
    const q = candidateCost({ family: "int8", arch: ARCH });
    expect(f.bytes).toBe(f.params * 4);
    expect(f.params).toBe(q.params);
    // int8 stores the kernels at a quarter and drops batch-norm statistics into an int32 bias.
    expect(q.bytes).toBeLessThan(f.bytes / 3);
    expect(f.macs).toBe(q.macs);
  });

  it("has no device cost on a front, even where an old record carries one", () => {
    const base = {
      search: "iterative",
      seed: 0,
      step: "mfcc",
      val_accuracy: 0.5,
      int_accuracy: null,
      params: 10,
      file_kib: null,
      macs: 1000,
      binary_macs: 0,
      activations: 10,
      arena_bytes: null,
      device_instr_per_s: 123,
      seconds: 1,
    };
    const pts = candidatePoints([
      { ...base, key: "float/a", family: "float", bits: 32, config: ARCH, accuracy: 0.8, kib: 4 },
      {
        ...base,
        key: "int8/a",
        family: "int8",
        bits: 8,
        config: ARCH,
        accuracy: 0.7,
        int_accuracy: 0.69,
        kib: 1,
      },
    ] as CandidateRecord[]);
    const fl = pts.find((p) => p.config.key === "float/a");
    expect(fl?.device_instr_per_s).toBeNull();
    expect(fl?.accuracy).toBe(0.8);
    expect(fl?.config.bits).toBe(32);
    expect(pts.find((p) => p.config.key === "int8/a")?.device_instr_per_s).toBe(123);
  });
});

describe("a float candidate trained on the fixtures", () => {
  const dir = mkdtempSync(join(tmpdir(), "earshot-search-float-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("records 32-bit size, tfjs accuracy, no integer file, no device cost; pareto draws it", () => {
    const runDir = join(dir, "search", "runs", runFolder("float/m10-d2-k3-f8", 0));
    mkdirSync(runDir, { recursive: true });
    const job = join(runDir, "job.json");
    writeFileSync(
      job,
      JSON.stringify({
        candidate: { family: "float", arch: ARCH },
        seed: 0,
        step: "mfcc",
        data: FIXTURE_SPEECH.full,
        splitMode: "auto",
        budget: { epochs: 1, stepsPerEpoch: 2, batchSize: 4 },
        runDir,
        calibCount: 8,
      }),
    );
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ["bin/earshot.js", ...args], {
        encoding: "utf8",
        timeout: 180_000,
      });
    const r = cli("search", "candidate", "--job", job, "--json");
    expect(r.status).toBe(0);
    const rec = JSON.parse(r.stdout.trim().split("\n").pop() as string) as CandidateRecord;
    expect(rec.family).toBe("float");
    expect(rec.bits).toBe(32);
    expect(rec.kib).toBeCloseTo((rec.params * 4) / 1024, 10);
    expect(rec.kib).toBeCloseTo(candidateCost({ family: "float", arch: ARCH }).bytes / 1024, 10);
    expect(rec.accuracy).not.toBeNull();
    expect(rec.int_accuracy).toBeNull();
    expect(rec.file_kib).toBeNull();
    expect(rec.device_instr_per_s).toBeNull();
    expect(rec.error).toBeUndefined();

    writeFileSync(join(dir, "search", "results.jsonl"), `${JSON.stringify(rec)}\n`);
    const p = cli("pareto", join(dir, "search"), "--out", join(dir, "fronts"), "--json");
    expect(p.status).toBe(0);
    const j = JSON.parse(p.stdout);
    expect(j.fronts.kib.map((x: { config: { key: string } }) => x.config.key)).toEqual([
      "float/m10-d2-k3-f8",
    ]);
    expect(j.fronts.kib[0].accuracy).toBe(rec.accuracy);
    expect(j.fronts.kib[0].kib).toBeCloseTo(rec.kib, 10);
    expect(j.fronts.device_instr_per_s).toEqual([]);
    // A training and a pareto run in child processes.
  }, 180_000);
});
