import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { candidatePoints, paretoFront } from "../../host/search/pareto";
import type { CandidateRecord } from "../../host/search/store";

function rec(
  key: string,
  seed: number,
  val: number,
  acc: number,
  kib: number,
  macs: number,
): CandidateRecord {
  return {
    search: "iterative",
    key,
    family: key.startsWith("binary") ? "binary" : "int8",
    bits: key.startsWith("binary") ? 1 : 8,
    config: { mfcc: 10, depth: 2, kernel: 3, filters: 4 },
    seed,
    step: "mfcc",
    val_accuracy: val,
    accuracy: acc,
    int_accuracy: acc - 0.01,
    params: 1,
    kib,
    file_kib: kib,
    macs,
    binary_macs: 0,
    activations: 1,
    arena_bytes: 1,
    device_instr_per_s: macs * 3,
    seconds: 1,
  };
}

describe("Pareto extraction", () => {
  it("keeps exactly the non-dominated points, cheapest first", () => {
    const pts = [
      { id: "a", accuracy: 0.5, cost: 1 },
      { id: "b", accuracy: 0.4, cost: 2 }, // dominated by a
      { id: "c", accuracy: 0.7, cost: 3 },
      { id: "d", accuracy: 0.7, cost: 4 }, // same accuracy, costlier: dominated
      { id: "e", accuracy: 0.6, cost: 3 }, // same cost, less accurate: dominated
      { id: "f", accuracy: 0.9, cost: 10 },
      { id: "g", accuracy: 0.95, cost: null }, // no cost: not on this front
    ];
    expect(paretoFront(pts, (p) => p.cost).map((p) => p.id)).toEqual(["a", "c", "f"]);
  });

  it("scores a candidate by its best-validation seed, not its best test seed", () => {
    const pts = candidatePoints([
      rec("int8/x", 0, 0.6, 0.9, 5, 100),
      rec("int8/x", 1, 0.7, 0.5, 5, 100),
      rec("int8/y", 0, 0.5, 0.6, 6, 50),
    ]);
    const x = pts.find((p) => p.config.key === "int8/x");
    expect(x?.config.seed).toBe(1);
    // Exported integer accuracy is preferred over the tfjs model's.
    expect(x?.accuracy).toBeCloseTo(0.49, 10);
  });
});

describe("earshot pareto", () => {
  const dir = mkdtempSync(join(tmpdir(), "earshot-pareto-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("--json prints the fronts per objective in the documented shape, and writes plots and a table", () => {
    const search = join(dir, "s");
    const recs = [
      rec("int8/small", 0, 0.5, 0.61, 3, 1e5),
      rec("int8/mid", 0, 0.6, 0.71, 12, 5e5),
      rec("binary/big", 0, 0.7, 0.81, 40, 2e5),
      rec("binary/worse", 0, 0.4, 0.41, 50, 9e5),
    ];
    mkdirSync(search, { recursive: true });
    writeFileSync(
      join(search, "results.jsonl"),
      `${recs.map((r) => JSON.stringify(r)).join("\n")}\n`,
    );
    const out = join(dir, "fronts");
    const r = spawnSync(
      process.execPath,
      ["bin/earshot.js", "pareto", search, "--out", out, "--json"],
      {
        encoding: "utf8",
        timeout: 120_000,
      },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(["fronts"]);
    expect(Object.keys(j.fronts).sort()).toEqual(["device_instr_per_s", "kib", "macs"]);
    for (const p of j.fronts.kib)
      expect(Object.keys(p).sort()).toEqual([
        "accuracy",
        "config",
        "device_instr_per_s",
        "kib",
        "macs",
      ]);
    expect(j.fronts.kib.map((p: { config: { key: string } }) => p.config.key)).toEqual([
      "int8/small",
      "int8/mid",
      "binary/big",
    ]);
    // By MACs, binary/big (2e5) beats int8/mid (5e5).
    expect(j.fronts.macs.map((p: { config: { key: string } }) => p.config.key)).toEqual([
      "int8/small",
      "binary/big",
    ]);
    for (const f of [
      "fronts.md",
      "fronts.json",
      "pareto-kib.svg",
      "pareto-kib.png",
      "pareto-macs.png",
    ])
      expect(existsSync(join(out, f))).toBe(true);
  });

  it("names a folder without results in one line", () => {
    const r = spawnSync(
      process.execPath,
      ["bin/earshot.js", "pareto", join(dir, "nothing"), "--out", join(dir, "o")],
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/no results\.jsonl/);
  });
});
