// Data-parallel training (host/train/parallel): a batch split over replicas in worker threads
// trains like the whole batch in one process, to float rounding, batch norm included (its
// statistics are summed over replicas), over several Adam steps; uneven shards and soft targets
// (distillation) included.
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBackend } from "../../host/train/backend";
import { buildSeeded } from "../../host/train/loop";
import { openParallelStep, type ParallelStep, shardSizes } from "../../host/train/parallel";
import { makeTrainStep, type StepResult } from "../../host/train/step";

const inputShape: [number, number, number] = [12, 9, 1];
// res8-narrow shrunk: conv, pooling, one residual block with two batch norms, dense.
const config = { inputShape, numClasses: 4, filters: 4, blocks: 1, pool: [2, 3] };
const STEPS = 4;

function batch(n: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor1D; t: tf.Tensor2D } {
  // (tfjs draws from Math.random for seed 0.)
  const x = tf.randomNormal([n, ...inputShape], 0, 1, "float32", seed + 1) as tf.Tensor4D;
  const y = tf.tensor1d(
    Array.from({ length: n }, (_, i) => (i * 7 + seed) % 4),
    "int32",
  );
  // Soft targets (distillation): a softmax of random logits.
  const t = tf.softmax(tf.randomNormal([n, 4], 0, 1, "float32", seed + 100)) as tf.Tensor2D;
  return { x, y, t };
}

const DISTILL = { weight: 0.5, temperature: 2 };

/** Trains STEPS steps; returns each step's result and the final weights (BN statistics too). */
async function run(n: number, replicas: number, initial: tf.Tensor[], distill = false) {
  const model = buildSeeded("res8-narrow", config, 3);
  model.setWeights(initial);
  const optimizer = tf.train.adam(1e-2);
  let parallel: ParallelStep | undefined;
  if (replicas > 1) {
    parallel = await openParallelStep(model, optimizer, {
      replicas,
      model: { name: "res8-narrow", config },
      inputShape,
      batchSize: n,
      distill: distill ? DISTILL : undefined,
    });
  }
  const step =
    parallel?.step ?? makeTrainStep(model, optimizer, undefined, distill ? DISTILL : undefined);
  const results: StepResult[] = [];
  try {
    for (let s = 0; s < STEPS; s++) {
      const { x, y, t } = batch(n, s);
      results.push(step(x, y, distill ? t : undefined));
      tf.dispose([x, y, t]);
    }
  } finally {
    await parallel?.close();
  }
  const weights = model.weights.map((w) => Array.from(w.read().dataSync()));
  model.dispose();
  return { results, weights };
}

function expectClose(a: number[][], b: number[][]): void {
  expect(b.length).toBe(a.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < a[i].length; j++) {
      worst = Math.max(worst, Math.abs(a[i][j] - b[i][j]) / (1e-3 + Math.abs(a[i][j])));
    }
  }
  expect(worst).toBeLessThan(1e-3);
}

beforeAll(async () => {
  const info = await loadBackend({ quiet: true, prefer: "wasm" });
  expect(info.name).toBe("wasm");
});

afterAll(() => {
  tf.disposeVariables();
});

describe("data-parallel step", () => {
  it("splits a batch into shards that differ by at most one example", () => {
    expect(shardSizes(64, 2)).toEqual([32, 32]);
    expect(shardSizes(7, 2)).toEqual([4, 3]);
    expect(shardSizes(10, 3)).toEqual([4, 3, 3]);
  });

  it.each([
    [8, 2, false],
    [7, 2, false],
    [8, 2, true],
  ])("batch %i over %i replicas (distilled: %s) trains like one process", async (n, replicas, distill) => {
    const start = buildSeeded("res8-narrow", config, 3);
    const initialTensors = start.getWeights();
    const initial = initialTensors.map((w) => Array.from(w.dataSync()));
    const one = await run(n, 1, initialTensors, distill);
    const many = await run(n, replicas, initialTensors, distill);
    start.dispose();
    for (let s = 0; s < STEPS; s++) {
      expect(many.results[s].correct).toBe(one.results[s].correct);
      expect(many.results[s].loss).toBeCloseTo(one.results[s].loss, 4);
    }
    // Training moved the weights, and both runs moved them the same way.
    const moved = one.weights.some((w, i) => w.some((v, j) => Math.abs(v - initial[i][j]) > 1e-3));
    expect(moved).toBe(true);
    expectClose(one.weights, many.weights);
  });
});
