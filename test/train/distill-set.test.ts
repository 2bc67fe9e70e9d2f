// Distillation sets (issue 10): cross-fitted folds never let a head label a speaker it trained
// on; the set round-trips through its files; its rows reach the batches with their soft targets
// while the other sources' rows keep the plain hard loss; the builder runs the real teacher on
// the committed fixture.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DISTILL_MANIFEST,
  DISTILL_SET_FORMAT,
  type DistillSet,
  readDistillSet,
  writeDistillSet,
} from "../../host/data/distill-set";
import { Rng } from "../../host/data/rng";
import { buildDistillSet } from "../../host/teacher/distill-set";
import { assignFolds, foldOf, foldRows } from "../../host/teacher/folds";
import { computeInputNorm } from "../../host/train/features";
import { buildSeeded, resolveTrainConfig } from "../../host/train/loop";
import { inProcess } from "../../host/train/prefetch";
import { makeTrainStep } from "../../host/train/step";
import { loadTrainingData, makeBatchStream } from "../../host/train/training-data";
import { FIXTURE_SPEECH } from "../speech-data";

let root: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  root = mkdtempSync(join(tmpdir(), "earshot-distill-set-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("cross-fitting folds", () => {
  it("never lets a head label a clip of a speaker it trained on, and labels every row once", () => {
    const rng = new Rng(1);
    const keys = Array.from({ length: 400 }, () => `spk${rng.int(60)}`);
    const assign = assignFolds(keys, 5);
    const labelled = new Array(keys.length).fill(0);
    for (let k = 0; k < 5; k++) {
      const { train, label } = foldRows(assign, k);
      expect(train.length).toBeGreaterThan(0);
      expect(label.length).toBeGreaterThan(0);
      const trained = new Set(train.map((r) => keys[r]));
      for (const r of label) {
        expect(trained.has(keys[r])).toBe(false);
        labelled[r]++;
      }
    }
    expect(labelled.every((n) => n === 1)).toBe(true);
    expect(foldOf("spk3", 5)).toBe(foldOf("spk3", 5));
    expect(() => foldOf("a", 1)).toThrow(/at least 2 folds/);
  });
});

function tinySet(labels: string[], rows: number, frames: number, coeffs: number): DistillSet {
  const rng = new Rng(4);
  const targets = new Float32Array(rows * labels.length);
  for (let r = 0; r < rows; r++) {
    const p = labels.map(() => rng.next() + 0.01);
    const s = p.reduce((a, b) => a + b, 0);
    for (const [c, v] of p.entries()) targets[r * labels.length + c] = v / s;
  }
  return {
    manifest: {
      format: DISTILL_SET_FORMAT,
      labels,
      frames,
      coeffs,
      temperature: 2,
      rows: Array.from({ length: rows }, (_, r) => ({
        id: `yes/x${r}_nohash_0.wav`,
        copy: r % 3,
        label: 2 + (r % 2),
        fold: r % 2,
      })),
      provenance: {},
    },
    features: Float32Array.from({ length: rows * frames * coeffs }, () => rng.normal()),
    targets,
  };
}

describe("distill set files", () => {
  it("round-trips features, targets and rows; refuses other labels and short files", () => {
    const labels = ["_silence_", "_unknown_", "yes", "no"];
    const s = tinySet(labels, 5, 3, 2);
    const dir = join(root, "rt");
    writeDistillSet(dir, s);
    const back = readDistillSet(dir, labels);
    expect(back.manifest.rows).toEqual(s.manifest.rows);
    expect(back.features).toEqual(s.features);
    expect(back.targets).toEqual(s.targets);
    expect(() => readDistillSet(dir, ["_silence_", "_unknown_", "no", "yes"])).toThrow(/differ/);
    writeFileSync(join(dir, DISTILL_MANIFEST), JSON.stringify({ ...s.manifest, rows: [] }));
    expect(() => readDistillSet(dir)).toThrow(/values for 0 rows/);
  });
});

describe("distill set in training", () => {
  it("its rows come with their targets at its share; other rows carry none and keep the hard loss", async () => {
    const labels = ["_silence_", "_unknown_", "yes", "no", "up"];
    const base = {
      data: FIXTURE_SPEECH.full,
      model: "res8-narrow",
      modelConfig: { filters: 4, blocks: 1 },
      out: join(root, "out"),
      keywords: ["yes", "no", "up"],
      batchSize: 8,
      seed: 1,
      cacheDir: join(root, "cache"),
      augment: null,
    };
    const probe = await loadTrainingData(resolveTrainConfig(base));
    const { frames, coeffs } = probe.trainSet;
    const s = tinySet(labels, 6, frames, coeffs);
    writeDistillSet(join(root, "ds"), s);
    const cfg = resolveTrainConfig({
      ...base,
      distillSet: { dir: join(root, "ds"), share: 0.25, weight: 0.7 },
    });
    const data = await loadTrainingData(cfg);
    expect(data.distillSet?.set.labels.length).toBe(6);
    const stream = inProcess(makeBatchStream(cfg, data, computeInputNorm(data.trainSet)));
    const b = await stream.batch(0);
    const t = b.targets as Float32Array;
    const sums = Array.from({ length: 8 }, (_, j) =>
      t.subarray(j * 5, j * 5 + 5).reduce((a, v) => a + v, 0),
    );
    // 6 rows of the primary data (no teacher: zero rows), 2 of the distill set (rows of s).
    expect(sums.slice(0, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    for (const j of [6, 7]) {
      expect(sums[j]).toBeCloseTo(1, 5);
      const row = Array.from(t.subarray(j * 5, j * 5 + 5));
      const found = Array.from({ length: 6 }, (_, r) =>
        Array.from(s.targets.subarray(r * 5, r * 5 + 5)),
      ).some((q) => q.every((v, c) => v === row[c]));
      expect(found).toBe(true);
    }
  });

  it("all-zero targets give exactly the plain loss; soft rows change it", () => {
    const shape: [number, number, number] = [20, 8, 1];
    const run = (distill: { weight: number; temperature: number } | undefined, t?: number[][]) => {
      const model = buildSeeded(
        "res8-narrow",
        { inputShape: shape, numClasses: 4, filters: 4, blocks: 1 },
        5,
      );
      const step = makeTrainStep(model, tf.train.sgd(0), undefined, distill);
      const x = tf.randomNormal([4, ...shape], 0, 1, "float32", 9);
      const y = tf.tensor1d([2, 3, 0, 1], "int32");
      return step(x, y, t ? tf.tensor2d(t) : undefined).loss;
    };
    const plain = run(undefined);
    const zeros = [0, 1, 2, 3].map(() => [0, 0, 0, 0]);
    expect(run({ weight: 0.7, temperature: 2 }, zeros)).toBeCloseTo(plain, 6);
    const mixed = [[0.1, 0.2, 0.6, 0.1], ...zeros.slice(1)];
    expect(Math.abs(run({ weight: 0.7, temperature: 2 }, mixed) - plain)).toBeGreaterThan(1e-3);
  });
});

describe("distill set builder (real teacher)", () => {
  it("labels every row with the head of its speaker's fold, targets summing to 1", async () => {
    const r = await buildDistillSet({
      data: FIXTURE_SPEECH.full,
      splitMode: "auto",
      keywords: ["yes", "no", "up"],
      folds: 2,
      copies: 1,
      epochs: 2,
      seed: 0,
    });
    const m = r.set.manifest;
    const classes = m.labels.length;
    expect(m.rows.length).toBeGreaterThan(0);
    expect(r.set.features.length).toBe(m.rows.length * m.frames * m.coeffs);
    expect(m.rows.filter((row) => row.copy === 1).length).toBe(m.rows.length / 2);
    for (const [i, row] of m.rows.entries()) {
      const speaker = row.id.includes("_nohash_") ? row.id.split("/")[1].split("_")[0] : row.id;
      expect(row.fold).toBe(foldOf(speaker, 2));
      const sum = r.set.targets.subarray(i * classes, (i + 1) * classes).reduce((a, v) => a + v, 0);
      expect(sum).toBeCloseTo(1, 4);
    }
    expect(r.heads.map((h) => h.fold)).toEqual([0, 1]);
    for (const h of r.heads) expect(h.trainRows + h.labelRows).toBe(m.rows.length);
  }, 300_000);
});
