// Distillation plumbing: soft targets from a soft-label cache (one-hot where it has no entry),
// the same targets through the prefetch worker, and the loss: one-hot targets at temperature 1
// give exactly the plain cross-entropy, while a teacher's soft targets change it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleId } from "../../host/data/example-id";
import { Rng } from "../../host/data/rng";
import { SOFT_LABELS_FORMAT } from "../../host/data/soft-labels";
import { writeWav16 } from "../../host/data/wav/write";
import { computeInputNorm } from "../../host/train/features";
import { buildSeeded, resolveTrainConfig, type TrainConfig } from "../../host/train/loop";
import { inProcess, openBatchStream } from "../../host/train/prefetch";
import { makeTrainStep } from "../../host/train/step";
import { loadTrainingData, makeBatchStream } from "../../host/train/training-data";

let root: string;
const LABELS = ["_silence_", "_unknown_", "yes", "no"];

beforeAll(async () => {
  await tf.setBackend("cpu");
  root = mkdtempSync(join(tmpdir(), "earshot-distill-"));
  const rng = new Rng(3);
  for (const [word, hz] of Object.entries({ yes: 500, no: 900, bed: 2400 })) {
    mkdirSync(join(root, "data", word), { recursive: true });
    for (let s = 0; s < 10; s++) {
      const x = new Float32Array(16000);
      const start = rng.int(6000);
      for (let i = start; i < start + 6000; i++)
        x[i] = 0.3 * Math.sin((2 * Math.PI * hz * i) / 16000);
      writeWav16(
        join(root, "data", word, `${(0x3000_0000 + s * 7919).toString(16)}_nohash_0.wav`),
        x,
      );
    }
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function config(over: Partial<TrainConfig> = {}): TrainConfig {
  return resolveTrainConfig({
    data: join(root, "data"),
    model: "res8-narrow",
    modelConfig: { filters: 4, blocks: 1 },
    out: join(root, "out"),
    keywords: ["yes", "no"],
    splitMode: "speaker",
    batchSize: 8,
    seed: 2,
    cacheDir: join(root, "cache"),
    augment: { fraction: 0.5, config: { timeShiftMs: 100, gainDb: [-3, 3], noise: null } },
    ...over,
  });
}

/** A soft-label cache giving every "yes" clip 0.7 yes / 0.3 no; nothing for other clips. */
async function writeCache(): Promise<string> {
  const data = await loadTrainingData(config());
  const probs: Record<string, number[]> = {};
  for (const ex of data.trainSet.examples)
    if (ex.kind === "file" && ex.word === "yes")
      probs[exampleId(ex, join(root, "data"))] = [0, 0, 0.7, 0.3];
  const path = join(root, "probs.json");
  writeFileSync(
    path,
    JSON.stringify({
      format: SOFT_LABELS_FORMAT,
      labels: LABELS,
      temperature: 2,
      source: { dataset: join(root, "data"), splitMode: "speaker", subset: "train", seed: 0 },
      teacher: { head: "h", package: "p", version: "0" },
      probs,
      logits: {},
      failed: [],
    }),
  );
  return path;
}

describe("distillation", () => {
  it("soft targets where the cache has the clip, one-hot elsewhere, the same through the worker", async () => {
    const probs = await writeCache();
    const cfg = config({ distill: { probs: [probs], weight: 0.5 }, prefetchWorkers: 1 });
    const data = await loadTrainingData(cfg);
    expect(data.soft?.temperature).toBe(2);
    const norm = computeInputNorm(data.trainSet);
    const local = inProcess(makeBatchStream(cfg, data, norm));
    const remote = await openBatchStream(cfg, data, norm);
    try {
      for (const i of [0, 3]) {
        const a = await local.batch(i);
        const b = await remote.batch(i);
        expect(b.targets).toEqual(a.targets);
        const t = a.targets as Float32Array;
        for (let j = 0; j < 8; j++) {
          const row = Array.from(t.subarray(j * 4, j * 4 + 4));
          if (a.labels[j] === 2)
            expect(row.map((v) => Number(v.toFixed(6)))).toEqual([0, 0, 0.7, 0.3]);
          else expect(row).toEqual(LABELS.map((_, c) => (c === a.labels[j] ? 1 : 0)));
        }
      }
    } finally {
      await remote.close();
    }
  });

  it("one-hot targets at temperature 1 give the plain loss; soft targets change it", () => {
    const shape: [number, number, number] = [20, 8, 1];
    const run = (
      distill: { weight: number; temperature: number } | undefined,
      targets?: number[][],
    ) => {
      const model = buildSeeded(
        "res8-narrow",
        { inputShape: shape, numClasses: 4, filters: 4, blocks: 1 },
        5,
      );
      const step = makeTrainStep(model, tf.train.sgd(0), undefined, distill);
      const x = tf.randomNormal([4, ...shape], 0, 1, "float32", 9);
      const y = tf.tensor1d([2, 3, 0, 1], "int32");
      const t = targets ? tf.tensor2d(targets) : undefined;
      return step(x, y, t).loss;
    };
    const oneHot = [2, 3, 0, 1].map((l) => [0, 1, 2, 3].map((c) => (c === l ? 1 : 0)));
    const plain = run(undefined);
    expect(run({ weight: 0.5, temperature: 1 }, oneHot)).toBeCloseTo(plain, 5);
    const soft = oneHot.map((r) => r.map((v) => 0.1 + 0.6 * v));
    expect(Math.abs(run({ weight: 0.5, temperature: 2 }, soft) - plain)).toBeGreaterThan(1e-3);
  });
});

describe("distillation in the training loop", () => {
  it("a run with soft targets trains on a different loss than the same run without", async () => {
    const probs = join(root, "probs.json");
    const { train } = await import("../../host/train/loop");
    const run = async (out: string, over: Partial<TrainConfig>) =>
      (await train(config({ out: join(root, out), epochs: 1, stepsPerEpoch: 3, ...over })))
        .epochs[0].trainLoss;
    const plain = await run("plain", {});
    const distilled = await run("distilled", { distill: { probs: [probs], weight: 0.9 } });
    expect(Number.isFinite(distilled)).toBe(true);
    expect(Math.abs(distilled - plain)).toBeGreaterThan(1e-4);
  });
});
