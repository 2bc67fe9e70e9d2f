import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelDir } from "../../host/compress/checkpoint";
import { loadFeatures } from "../../host/compress/data";
import { exportFile } from "../../host/compress/export-file";
import { IntEvaluator } from "../../host/compress/int-eval";
import { decodeModel } from "../../shared/model-format/decode";
import { FIXTURE_SPEECH, NEEDS_SPEECH, SPEECH_DIR } from "../speech-data";
import { dsCnnFloatCheckpoint } from "./checkpoint-fixture";

const run = promisify(execFile);
const DATA = join(SPEECH_DIR, "sc-v1-sample");
const have = existsSync(DATA);
let dir: string;

beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "earshot-compress-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!have)(`export and quantize on real clips ${NEEDS_SPEECH}`, () => {
  it("exported integers agree with the float model on the calibration clips", async () => {
    const ck = join(dir, "float");
    const m = await dsCnnFloatCheckpoint(ck);
    const out = join(dir, "m.esm");
    const r = await exportFile({ model: ck, out, calib: DATA, calibCount: 64, cacheDir: null });
    const dm = decodeModel(Array.from(await readFile(out)));
    expect(dm.labels).toEqual(r.meta.labels);
    expect(dm.frontEnd.find((k) => k.key === "nCoeffs")?.value).toBe(10);
    expect(dm.meta.filter((k) => k.key.startsWith("inputNorm.")).length).toBe(20);
    const { meta } = await loadModelDir(ck);
    const b = await loadFeatures(DATA, meta, "train", { limit: 40, cacheDir: null });
    const ev = new IntEvaluator(dm);
    const pred = tf.argMax(m.predict(b.x) as tf.Tensor, -1).dataSync();
    const flat = b.x.dataSync();
    const n = b.labels.length;
    const size = 98 * 10;
    let agree = 0;
    for (let i = 0; i < n; i++) {
      const s = ev.run(flat.subarray(i * size, (i + 1) * size)).scores;
      if (s.indexOf(Math.max(...s)) === pred[i]) agree++;
    }
    expect(agree / n).toBeGreaterThanOrEqual(0.9);
  });

  it("earshot quantize writes a PTQ checkpoint that exports; a missing model is one clear line", async () => {
    const ck = join(dir, "float2");
    await dsCnnFloatCheckpoint(ck);
    const cli = join(__dirname, "../../bin/earshot.js");
    const q = join(dir, "ptq4");
    const { stdout } = await run("node", [
      cli,
      "quantize",
      "--model",
      ck,
      "--calib",
      DATA,
      "--bits",
      "4",
      "--out",
      q,
      "--calib-count",
      "32",
      "--no-cache",
      "--json",
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ method: "ptq", weightBits: 4 });
    const { meta } = await loadModelDir(q);
    expect(meta.precisionOptions).toEqual({ weightBits: 4 });
    const file = join(dir, "ptq4.esm");
    await run("node", [
      cli,
      "export",
      "--model",
      q,
      "--out",
      file,
      "--calib",
      DATA,
      "--calib-count",
      "32",
      "--no-cache",
    ]);
    const dm = decodeModel(Array.from(await readFile(file)));
    expect(dm.tensors.filter((t) => t.data && t.bits === 4).length).toBeGreaterThan(0);
    const bad = await run("node", [
      cli,
      "export",
      "--model",
      join(dir, "nope"),
      "--out",
      file,
      "--calib",
      DATA,
    ]).catch((e) => e);
    expect(bad.code).toBe(1);
    expect(
      bad.stderr
        .trim()
        .split("\n")
        .filter((l: string) => l.startsWith("earshot:")),
    ).toHaveLength(1);
    expect(bad.stderr).toMatch(/no earshot checkpoint here/);
  });
});

// Pruning scores before/after on test clips: the committed fixture has them (lists).
describe("compression commands on the committed fixture", () => {
  it("earshot export takes a training run's folder (its best/) as eval does", async () => {
    await dsCnnFloatCheckpoint(join(dir, "run", "best"));
    const file = join(dir, "run.esm");
    const cli = join(__dirname, "../../bin/earshot.js");
    const args = ["--out", file, "--calib", FIXTURE_SPEECH.full, "--calib-count", "8"];
    await run("node", [cli, "export", "--model", join(dir, "run"), ...args, "--no-cache"]);
    expect(decodeModel(Array.from(await readFile(file))).labels).toEqual(
      (await loadModelDir(join(dir, "run", "best"))).meta.labels,
    );
    const bad = await run("node", [cli, "export", "--model", dir, ...args]).catch((e) => e);
    expect(bad.stderr).toMatch(/no earshot checkpoint here .*or a training run's best\//);
  });

  it("earshot prune: structured removes channels and fine-tunes; unstructured keeps shapes", async () => {
    const ck = join(dir, "float3");
    await dsCnnFloatCheckpoint(ck);
    const cli = join(__dirname, "../../bin/earshot.js");
    const s = JSON.parse(
      (
        await run("node", [
          cli,
          "prune",
          "--model",
          ck,
          "--mode",
          "structured",
          "--sparsity",
          "0.5",
          "--out",
          join(dir, "ps"),
          "--data",
          FIXTURE_SPEECH.full,
          "--finetune-epochs",
          "1",
          "--no-cache",
          "--json",
        ])
      ).stdout,
    );
    expect(s.paramsAfter).toBeLessThan(s.paramsBefore);
    expect(typeof s.accuracyFinetuned).toBe("number");
    const { model } = await loadModelDir(join(dir, "ps"));
    expect(model.getLayer("conv0").getWeights()[0].shape[3]).toBe(4);
    const u = JSON.parse(
      (
        await run("node", [
          cli,
          "prune",
          "--model",
          ck,
          "--mode",
          "unstructured",
          "--sparsity",
          "0.7",
          "--out",
          join(dir, "pu"),
          "--no-cache",
          "--json",
        ])
      ).stdout,
    );
    expect(u.zeroedWeights / u.paramsBefore).toBeGreaterThan(0.5);
  });
});
