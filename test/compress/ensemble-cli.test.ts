/**
 * `earshot ensemble` over exported files: the ensemble's confusion matrix and accuracy must equal
 * a plain reference (each member's integer scores on its own normalized features, averaged,
 * argmax), its bytes the sum of the file sizes, and bad member sets end in one line.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { frontEndFromKeyValues } from "../../device/runtime/frontend-config";
import { calibrate, exportModel } from "../../host/compress/export";
import { IntEvaluator } from "../../host/compress/int-eval";
import { applyPrecision } from "../../host/compress/precision";
import { calibrateInputRanges } from "../../host/compress/ptq";
import {
  SYNTHETIC_FRONT_END,
  SYNTHETIC_LABELS,
  syntheticBinaryModel,
} from "../../host/compress/synthetic-models";
import { Rng } from "../../host/data/rng";
import { encodeWav16 } from "../../host/data/wav/write";
import { evalEnsemble, readMembers } from "../../host/eval/ensemble";
import type { ScoreSubset } from "../../host/eval/subsets";
import { buildSeeded } from "../../host/train/loop";
import { extractFeatures } from "../../shared/features/frontend";
import { encodeModel } from "../../shared/model-format/encode";
import type { DeviceModel } from "../../shared/model-format/types";

const dir = mkdtempSync(join(tmpdir(), "earshot-ens-"));

/** Test-set layout: 4 tone-plus-noise clips per class, each with its true class index. */
function testSet(): { data: string; clips: { samples: Int16Array; label: number }[] } {
  const data = join(dir, "data");
  const rng = new Rng(5);
  const clips: { samples: Int16Array; label: number }[] = [];
  SYNTHETIC_LABELS.forEach((label, k) => {
    mkdirSync(join(data, label), { recursive: true });
    for (let j = 0; j < 4; j++) {
      const s = new Int16Array(16000);
      const f = 150 + 170 * k + 60 * j;
      const amp = [600, 3000, 10000, 20000][j];
      for (let i = 0; i < s.length; i++)
        s[i] = Math.round(
          amp * Math.sin((2 * Math.PI * f * i) / 16000) + 900 * (k + 1) * rng.normal(),
        );
      const name =
        label === "_silence_"
          ? `${j}.wav`
          : label === "_unknown_"
            ? `bed_${k}${j}aa11bb_nohash_0.wav.wav`
            : `${k}${j}cc22dd_nohash_0.wav`;
      writeFileSync(join(data, label, name), encodeWav16(s, 16000, true));
      clips.push({ samples: s, label: k });
    }
  });
  return { data, clips };
}

const { data, clips } = testSet();
const features = (samples: Int16Array) =>
  extractFeatures(
    Float64Array.from(samples, (v) => v / 32768),
    frontEndFromKeyValues(SYNTHETIC_FRONT_END),
  ).data.slice(0, 120);

/** Per-coefficient mean and std of the clips' 12 x 10 feature windows. */
function clipNorm(): { mean: number[]; std: number[] } {
  const mean = new Array<number>(10).fill(0);
  const std = new Array<number>(10).fill(0);
  const all = clips.map((c) => features(c.samples));
  const n = all.length * 12;
  for (const x of all) for (let j = 0; j < x.length; j++) mean[j % 10] += x[j] / n;
  for (const x of all)
    for (let j = 0; j < x.length; j++) std[j % 10] += (x[j] - mean[j % 10]) ** 2 / n;
  return { mean, std: std.map(Math.sqrt) };
}

/**
 * A tiny binary res8-bin with seeded weights, exported as `earshot export` does: calibrated on
 * the normalized clips, normalization in the header (`stdScale` makes a member's own header
 * differ from the others', so each member must be fed its own normalization).
 */
function exportedMember(seed: number, stdScale: number): DeviceModel {
  const norm = clipNorm();
  const x = tf.tensor4d(
    clips.flatMap((c) =>
      features(c.samples).map((v, j) => (v - norm.mean[j % 10]) / norm.std[j % 10]),
    ),
    [clips.length, 12, 10, 1],
  );
  const cfg = { inputShape: [12, 10, 1], numClasses: 4, filters: 8, blocks: 1 };
  const m = applyPrecision(buildSeeded("res8-bin", cfg, seed), "binary");
  calibrateInputRanges(m, x);
  const meta = norm.mean.flatMap((mean, c) => [
    { key: `inputNorm.mean.${c}`, value: mean },
    { key: `inputNorm.std.${c}`, value: norm.std[c] * stdScale },
  ]);
  const dm = exportModel(m, {
    labels: SYNTHETIC_LABELS,
    ranges: calibrate(m, x),
    frontEnd: SYNTHETIC_FRONT_END,
    modelId: `ens-${seed}`,
    meta,
  });
  x.dispose();
  return dm;
}

function write(name: string, m: DeviceModel): string {
  const file = join(dir, name);
  writeFileSync(file, Uint8Array.from(encodeModel(m)));
  return file;
}

let members: DeviceModel[] = [];
let files: string[] = [];
beforeAll(async () => {
  await tf.setBackend("cpu");
  members = [exportedMember(1, 1), exportedMember(2, 1), exportedMember(3, 1.5)];
  files = members.map((m, i) => write(`m${i}.esm`, m));
});

const argmax = (v: number[]) => v.reduce((b, x, i) => (x > v[b] ? i : b), 0);

/** Confusion matrix of the ensemble of `ms`, computed without the code under test. */
function reference(ms: DeviceModel[]): { confusion: number[][]; perMember: number[] } {
  const k = SYNTHETIC_LABELS.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const correct = ms.map(() => 0);
  for (const clip of clips) {
    const all = ms.map((m, i) => {
      const f = extractFeatures(
        Float64Array.from(clip.samples, (v) => v / 32768),
        frontEndFromKeyValues(m.frontEnd),
      );
      const [frames, coeffs] = m.tensors[m.input].shape;
      const x = f.data.slice(0, frames * coeffs);
      const get = (key: string) => m.meta.find((kv) => kv.key === key)?.value;
      for (let j = 0; j < x.length; j++) {
        const c = j % coeffs;
        const mean = get(`inputNorm.mean.${c}`);
        if (mean !== undefined) x[j] = (x[j] - mean) / (get(`inputNorm.std.${c}`) as number);
      }
      const s = new IntEvaluator(m).run(x).scores;
      if (argmax(s) === clip.label) correct[i]++;
      return s;
    });
    const mean = all[0].map((_, c) => all.reduce((a, s) => a + s[c], 0) / all.length);
    confusion[clip.label][argmax(mean)]++;
  }
  return { confusion, perMember: correct.map((c) => c / clips.length) };
}

function cli(...args: string[]) {
  return spawnSync(process.execPath, ["bin/earshot.js", "ensemble", ...args], {
    encoding: "utf8",
  });
}

describe("earshot ensemble", () => {
  it("2- and 3-model ensembles equal the mean-of-scores reference; bytes are the file sizes", async () => {
    for (const k of [2, 3]) {
      const r = await evalEnsemble(files.slice(0, k), { data, subset: "all" });
      const ref = reference(members.slice(0, k));
      expect(r.n).toBe(clips.length);
      expect(r.ensemble.confusion).toEqual(ref.confusion);
      const correct = ref.confusion.reduce((a, row, i) => a + row[i], 0);
      expect(r.ensemble.accuracy).toBeCloseTo(correct / clips.length, 12);
      expect(r.members.map((m) => m.accuracy)).toEqual(ref.perMember);
      const sizes = files.slice(0, k).map((f) => statSync(f).size);
      expect(r.members.map((m) => m.bytes)).toEqual(sizes);
      expect(r.ensemble.bytes).toBe(sizes.reduce((a, b) => a + b, 0));
    }
  });

  it("pools subsets with +, as eval does: the pooled set is the union of its parts", async () => {
    const two = files.slice(0, 2);
    const at = (subset: ScoreSubset) => evalEnsemble(two, { data, splitMode: "hash", subset });
    const [v, t, both] = await Promise.all([at("validation"), at("test"), at("validation+test")]);
    expect(v.n + t.n).toBe(both.n);
    expect(v.n * t.n).toBeGreaterThan(0);
    const right = (r: typeof v) => r.ensemble.confusion.reduce((a, row, i) => a + row[i], 0);
    expect(right(v) + right(t)).toBe(right(both));
    const r = cli("--model", files[0], "--model", files[1], "--data", data, "--subset", "dev");
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/--subset: .*dev/);
  });

  it("prints members and the ensemble, and writes the same report with --out", () => {
    const out = join(dir, "report.json");
    const r = cli(...files.flatMap((f) => ["--model", f]), "--data", data, "--out", out);
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(out, "utf8"));
    expect(report.members).toHaveLength(3);
    expect(report.ensemble.confusion).toEqual(reference(members).confusion);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[1]).toContain(files[0]);
    expect(lines[4]).toMatch(
      new RegExp(
        `ensemble +${(report.ensemble.accuracy * 100).toFixed(2)}% +${report.ensemble.bytes} bytes`,
      ),
    );
  });

  it("rejects bad member sets with one line naming the file and a non-zero exit", () => {
    const other = (name: string, m: DeviceModel) => write(name, m);
    const base = members[0];
    const labels = other("labels.esm", {
      ...base,
      labels: ["_silence_", "_unknown_", "yes", "go"],
    });
    const fe = other("fe.esm", {
      ...base,
      frontEnd: base.frontEnd.map((kv) => (kv.key === "nMels" ? { ...kv, value: 32 } : kv)),
    });
    const shape = other("shape.esm", syntheticBinaryModel({ seed: 4, frames: 14 }));
    const bad = join(dir, "bad.esm");
    writeFileSync(bad, Buffer.from("ESHT this is not a model"));
    const cases: [string[], RegExp][] = [
      [[files[0]], /at least 2 models \(got 1\)/],
      [[files[0], labels], /labels\.esm: labels .*yes,go differs from .*m0\.esm's .*yes,no/],
      [[files[0], fe], /fe\.esm: front end nMels=32 differs from .*m0\.esm's nMels=40/],
      [
        [files[0], files[1], shape],
        /shape\.esm: input shape 14x10x1 differs from .*m0\.esm's 12x10x1/,
      ],
      [[files[0], bad], /bad\.esm: not a valid earshot model/],
    ];
    // The checks run in-process (a CLI start per case costs seconds on a busy machine)...
    for (const [ms, message] of cases) expect(() => readMembers(ms)).toThrow(message);
    // ...and one run of the CLI shows how they end: one line, a non-zero exit.
    const r = cli("--model", files[0], "--model", labels, "--data", data);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(cases[1][1]);
  });
});
