/**
 * Data-parallel training steps (issue 13): the batch is split over `replicas` copies of the
 * model, the main thread's and one per worker thread, each on its own tfjs wasm backend, so a
 * step uses several cores. Every replica computes the gradients of its shard; batch-norm
 * statistics are summed over all replicas on the way (batch-sync.ts), so the averaged gradient
 * is the whole batch's, to float rounding. The main thread applies it with its optimizer; the
 * workers take the new weights at the start of the next step. Same signature as makeTrainStep.
 */
import { Worker } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs";
import type { BackendInfo } from "../backend";
import type { TrainConfig } from "../config";
import { TrainError } from "../errors";
import type { StepResult } from "../step";
import { classifierLoss, type LossOptions } from "../step";
import { registerBatchSync } from "./batch-sync";
import { Comm, type CommSizes } from "./comm";
import type { FromReplica, ReplicaInit } from "./replica";
import { shardGradients } from "./shard-gradients";

export interface ParallelOptions {
  /** Replicas including the main thread's (>= 2). */
  replicas: number;
  /** Zoo name and builder config, so a worker builds the same model. */
  model: { name: string; config: Record<string, unknown> };
  inputShape: [number, number, number];
  batchSize: number;
  distill?: LossOptions["distill"];
  labelSmoothing?: number;
}

export interface ParallelStep {
  step(x: tf.Tensor, labels: tf.Tensor1D, targets?: tf.Tensor2D): StepResult;
  close(): Promise<void>;
}

/** Example counts of the shards of a batch of n over r replicas (the first ones one larger). */
export function shardSizes(n: number, r: number): number[] {
  return Array.from({ length: r }, (_, i) => Math.floor(n / r) + (i < n % r ? 1 : 0));
}

const count = (shape: readonly (number | null)[]): number =>
  shape.reduce((a: number, d) => a * (d ?? 1), 1);

/** Starts the workers (each loads tfjs and builds its model) and returns the step. */
export async function openParallelStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  opts: ParallelOptions,
): Promise<ParallelStep> {
  const backend = tf.getBackend();
  if (backend !== "wasm")
    throw new Error(`data-parallel training needs the wasm backend, not ${backend}`);
  registerBatchSync(backend);
  const R = opts.replicas;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const classes = (model.outputs[0].shape as number[]).at(-1) as number;
  const e = opts.inputShape[0] * opts.inputShape[1];
  const sizes: CommSizes = {
    size: R,
    shard: shardSizes(opts.batchSize, R)[0],
    exampleFloats: e,
    classes,
    gradFloats: vars.reduce((a, v) => a + v.size, 0),
    weightFloats: model.weights.reduce((a, w) => a + count(w.shape), 0),
    // Rows + five sums per channel (the fused batch norm's), the most any exchange carries.
    reduceFloats: 1 + 5 * Math.max(1, ...model.weights.map((w) => w.shape.at(-1) ?? 1)),
  };
  const buffer = new SharedArrayBuffer(Comm.bytes(sizes));
  const comm = new Comm(buffer, sizes, 0);
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: R - 1 }, (_, i) => {
        const init: ReplicaInit = {
          buffer,
          sizes,
          rank: i + 1,
          model: opts.model,
          inputShape: opts.inputShape,
          distill: opts.distill,
          labelSmoothing: opts.labelSmoothing,
        };
        const w = new Worker(new URL("./replica-entry.mjs", import.meta.url), { workerData: init });
        workers.push(w);
        return new Promise<void>((resolve, reject) => {
          w.on("message", (m: FromReplica) => {
            // Unref'd: a run that ends without close() (an error) must not wait on its workers.
            if ("ready" in m) {
              w.unref();
              resolve();
            } else {
              process.stderr.write(`data-parallel worker: ${m.error}\n`);
              reject(new Error(`data-parallel worker: ${m.error.split("\n")[0]}`));
            }
          });
          w.once("error", reject);
        });
      }),
    );
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }

  const lossOf = classifierLoss(model, {
    distill: opts.distill,
    labelSmoothing: opts.labelSmoothing,
  });
  /** True while a step runs: a step that threw leaves the workers mid-exchange. */
  let inStep = false;

  const step = (x: tf.Tensor, labels: tf.Tensor1D, targets?: tf.Tensor2D): StepResult => {
    inStep = true;
    const n = x.shape[0];
    const shards = shardSizes(n, R);
    const xs = x.dataSync() as Float32Array;
    const ls = labels.dataSync() as Int32Array;
    const ts = targets?.dataSync() as Float32Array | undefined;
    for (let r = 1, off = shards[0]; r < R; off += shards[r], r++) {
      const k = shards[r];
      comm.x[r - 1].set(xs.subarray(off * e, (off + k) * e));
      comm.labels[r - 1].set(ls.subarray(off, off + k));
      if (ts) comm.targets[r - 1].set(ts.subarray(off * classes, (off + k) * classes));
      comm.header[2 * r] = k;
      comm.header[2 * r + 1] = ts ? 1 : 0;
    }
    let at = 0;
    for (const w of model.weights) {
      const v = w.read().dataSync() as Float32Array;
      comm.weights.set(v, at);
      at += v.length;
    }
    comm.barrier();
    const n0 = shards[0];
    shardGradients(comm, lossOf, vars, opts.inputShape, classes, {
      x: xs.subarray(0, n0 * e),
      labels: ls.subarray(0, n0),
      targets: ts?.subarray(0, n0 * classes),
      n: n0,
    });
    comm.barrier();
    // Σ_r n_r g_r / N in rank order, applied like optimizer.minimize would.
    const sum = new Float32Array(sizes.gradFloats);
    for (let i = 0; i < sum.length; i++) {
      let s = 0;
      for (let r = 0; r < R; r++) s += comm.grads[r][i];
      sum[i] = s / n;
    }
    const averaged: tf.NamedTensorMap = {};
    at = 0;
    for (const v of vars) {
      averaged[v.name] = tf.tensor(sum.subarray(at, at + v.size), v.shape);
      at += v.size;
    }
    optimizer.applyGradients(averaged);
    tf.dispose(Object.values(averaged));
    let lossSum = 0;
    let right = 0;
    for (let r = 0; r < R; r++) {
      lossSum += comm.results[3 * r + 1];
      right += comm.results[3 * r + 2];
    }
    inStep = false;
    return { loss: lossSum / n, correct: right };
  };

  return {
    step,
    async close() {
      // Between steps the workers wait at the step's first barrier: let them leave their loop.
      // After a failed step they may wait at any exchange: terminating them is enough (their
      // waits time out every 200 ms).
      if (!inStep) {
        comm.stop();
        try {
          comm.barrier();
        } catch {
          // a failed worker: nothing to wait for
        }
      }
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** The data-parallel step when `config.replicas` asks for one (wasm backend, float models). */
export async function openReplicas(
  config: TrainConfig,
  backend: BackendInfo,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  o: {
    modelConfig: Record<string, unknown>;
    inputShape: [number, number, number];
    compressed: boolean;
    distill?: { weight: number; temperature: number };
    labelSmoothing?: number;
    info: (line: string) => void;
  },
) {
  const replicas = config.replicas ?? 1;
  if (replicas <= 1) return null;
  if (o.compressed) {
    throw new TrainError(
      "--replicas > 1 trains float models only (not with --precision or --from)",
    );
  }
  if (backend.name !== "wasm") {
    o.info(`replicas: ${replicas} asked, but the ${backend.name} backend trains in one process`);
    return null;
  }
  o.info(`data-parallel: ${replicas} replicas (main thread + ${replicas - 1} workers)`);
  return openParallelStep(model, optimizer, {
    replicas,
    model: { name: config.model, config: o.modelConfig },
    inputShape: o.inputShape,
    batchSize: config.batchSize,
    distill: o.distill,
    labelSmoothing: o.labelSmoothing,
  });
}
