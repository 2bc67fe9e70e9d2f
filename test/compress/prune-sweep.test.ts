/**
 * `earshot prune --sweep`: seed 003's accuracy vs parameters / MACs / runtime over sparsity
 * levels, both modes, from one tiny float checkpoint on the committed full-layout fixture (its
 * split lists give it train and test clips, so "test" accuracy is measured on test clips).
 */
import { execFile, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Resvg } from "@resvg/resvg-js";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelDir } from "../../host/compress/checkpoint";
import { deviceAccuracy } from "../../host/compress/compare";
import { loadFeatures } from "../../host/compress/data";
import type { SweepReport, SweepRow } from "../../host/compress/prune-sweep";
import { evalExportedModel } from "../../host/eval/exported";
import { decodeModel } from "../../shared/model-format/decode";
import { FIXTURE_SPEECH } from "../speech-data";
import { dsCnnFloatCheckpoint } from "./checkpoint-fixture";

const run = promisify(execFile);
const CLI = join(__dirname, "../../bin/earshot.js");
const DATA = FIXTURE_SPEECH.full;
let dir: string;
let ck: string;
let out: string;
let report: SweepReport;

const rowsOf = (mode: SweepRow["mode"]) => [
  report.rows[0],
  ...report.rows.filter((r) => r.mode === mode),
];
const strictlyDecreasing = (v: number[]) => v.every((x, i) => i === 0 || x < v[i - 1]);

beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "earshot-prune-sweep-"));
  ck = join(dir, "float");
  out = join(dir, "sweep");
  await dsCnnFloatCheckpoint(ck);
  const { stdout } = await run("node", [
    CLI,
    "prune",
    "--model",
    ck,
    "--mode",
    "both",
    "--sweep",
    "0.9,0.5",
    "--data",
    DATA,
    "--finetune-epochs",
    "1",
    "--out",
    out,
    "--calib-count",
    "16",
    "--time-clips",
    "2",
    "--time-rounds",
    "2",
    "--no-cache",
    "--json",
  ]);
  report = JSON.parse(stdout) as SweepReport;
}, 60_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("earshot prune --sweep", () => {
  it("runs the baseline, then each mode at each level in ascending order", () => {
    expect(report.rows.map((r) => `${r.mode}@${r.sparsity}`)).toEqual([
      "baseline@0",
      "structured@0.5",
      "structured@0.9",
      "unstructured@0.5",
      "unstructured@0.9",
    ]);
    expect(report.rows[0].runtimeRatio).toBe(1);
    for (const r of report.rows) expect(r.runtimeRatio).toBeGreaterThan(0);
  });

  it("structured levels strictly shrink parameters, MACs, FLOPs and the file", () => {
    const s = rowsOf("structured");
    for (const f of ["params", "nonzeroParams", "macs", "flops", "fileBytes"] as const)
      expect(strictlyDecreasing(s.map((r) => r[f])), f).toBe(true);
  });

  it("unstructured levels cut nonzero parameters but keep the dense shape and MACs", () => {
    const u = rowsOf("unstructured");
    expect(strictlyDecreasing(u.map((r) => r.nonzeroParams))).toBe(true);
    expect(strictlyDecreasing(u.map((r) => r.nonzeroMacs))).toBe(true);
    for (const r of u) {
      expect(r.macs).toBe(u[0].macs);
      expect(r.params).toBe(u[0].params);
      expect(r.fileBytes).toBe(u[0].fileBytes);
    }
    expect(u[2].gzipBytes).toBeLessThan(u[0].gzipBytes);
  });

  it("checkpoints reload, and each exported file decodes and scores what the report says", async () => {
    const { model: base, meta } = await loadModelDir(ck);
    const test = await loadFeatures(DATA, meta, "test", { cacheDir: null });
    expect(report.testExamples).toBe(test.labels.length);
    for (const r of report.rows) {
      const { model } = await loadModelDir(r.checkpoint);
      const conv0 = (m: tf.LayersModel) => m.getLayer("conv0").getWeights()[0].shape[3] as number;
      if (r.mode === "structured") expect(conv0(model)).toBeLessThan(conv0(base));
      else expect(conv0(model)).toBe(conv0(base));
      const dm = decodeModel(Array.from(readFileSync(r.file)));
      expect(dm.labels).toEqual(meta.labels);
      expect(deviceAccuracy(dm, test)).toBe(r.accuracyExported);
      // The same number through `earshot eval`'s path (float64 front end, header normalization).
      const ev = await evalExportedModel(r.file, { model: r.file, data: DATA, subset: "test" });
      expect(ev.n).toBe(test.labels.length);
      expect(ev.accuracy).toBe(r.accuracyExported);
    }
  });

  it("an empty subset is an error naming the split and the counts, never another subset", async () => {
    const { meta } = await loadModelDir(ck);
    // The test-set layout puts every clip in test: there is nothing to fine-tune or calibrate on.
    await expect(
      loadFeatures(FIXTURE_SPEECH.testSet, meta, "train", { cacheDir: null }),
    ).rejects.toThrow(
      /the train subset is empty .*\(train 0, validation 0, test \d+ clips; split all-test\)/,
    );
  });

  it("writes report.md, report.json and an SVG that parses", () => {
    const md = readFileSync(join(out, "report.md"), "utf8");
    expect(md).toMatch(/\| mode \| sparsity \| pruned acc/);
    expect(
      md.split("\n").filter((l) => /^\| (baseline|structured|unstructured) /.test(l)),
    ).toHaveLength(5);
    expect(JSON.parse(readFileSync(join(out, "report.json"), "utf8"))).toEqual(report);
    const svg = readFileSync(join(out, "prune-sweep.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    const png = new Resvg(svg).render();
    expect(png.width).toBeGreaterThan(400);
  });
});

describe("earshot prune flags", () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, "prune", ...args], { encoding: "utf8", timeout: 60_000 });

  it.each(["1.5", "abc", "0.5,", "0"])("rejects --sweep %s with one line", (v) => {
    const r = cli("--model", "m", "--mode", "both", "--out", "o", "--data", "d", "--sweep", v);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/--sweep takes comma-separated sparsities in \(0, 0\.99\]/);
  });

  it("needs --sparsity or --sweep, and 'both' only with --sweep", () => {
    const none = cli("--model", "m", "--mode", "structured", "--out", "o");
    expect(none.status).not.toBe(0);
    expect(none.stderr).toMatch(/give --sparsity S or --sweep LIST/);
    const both = cli("--model", "m", "--mode", "both", "--sparsity", "0.5", "--out", "o");
    expect(both.status).not.toBe(0);
    expect(both.stderr.trim().split("\n")).toHaveLength(1);
    expect(both.stderr).toMatch(/--mode must be structured or unstructured/);
  });
});
