/**
 * A data-parallel replica in a worker thread: its own tfjs wasm backend and copy of the model.
 * Each step it takes the main thread's weights, computes the gradients of its shard of the
 * batch (batch statistics summed over all replicas), and leaves them, scaled by its example
 * count, in shared memory. The main thread averages and applies them (index.ts).
 */
import { parentPort, workerData } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs";
import { buildModel, type ModelName } from "../../models";
import { loadBackend } from "../backend";
import { classifierLoss } from "../step";
import { registerBatchSync } from "./batch-sync";
import { Comm, type CommSizes } from "./comm";
import { shardGradients } from "./shard-gradients";

export interface ReplicaInit {
  buffer: SharedArrayBuffer;
  sizes: CommSizes;
  rank: number;
  model: { name: string; config: Record<string, unknown> };
  inputShape: [number, number, number];
  distill?: { weight: number; temperature: number };
  labelSmoothing?: number;
}

export type FromReplica = { ready: true } | { error: string };

const port = parentPort;
if (!port) throw new Error("replica: not started as a worker thread");
const init = workerData as ReplicaInit;
const comm = new Comm(init.buffer, init.sizes, init.rank);

/** Copies the shared weights (main thread's order: model.weights) into this replica's model. */
function takeWeights(model: tf.LayersModel): void {
  let at = 0;
  for (const w of model.weights) {
    const n = w.shape.reduce((a: number, d) => a * (d ?? 1), 1);
    w.write(tf.tensor(comm.weights.subarray(at, at + n), w.shape as number[]));
    at += n;
  }
}

function run(model: tf.LayersModel): void {
  const lossOf = classifierLoss(model, {
    distill: init.distill,
    labelSmoothing: init.labelSmoothing,
  });
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const e = init.inputShape[0] * init.inputShape[1];
  const classes = init.sizes.classes;
  const w = init.rank - 1;
  for (;;) {
    comm.barrier();
    if (comm.stopped) return;
    tf.tidy(() => takeWeights(model));
    const n = comm.header[2 * init.rank];
    const hasTargets = comm.header[2 * init.rank + 1] === 1;
    shardGradients(comm, lossOf, vars, init.inputShape, classes, {
      x: comm.x[w].subarray(0, n * e),
      labels: comm.labels[w].subarray(0, n),
      targets: hasTargets ? comm.targets[w].subarray(0, n * classes) : undefined,
      n,
    });
    comm.barrier();
  }
}

try {
  const info = await loadBackend({ quiet: true, prefer: "wasm" });
  registerBatchSync(info.name);
  const model = buildModel(init.model.name as ModelName, init.model.config as never);
  port.postMessage({ ready: true } satisfies FromReplica);
  run(model);
} catch (err) {
  comm.fail();
  port.postMessage({ error: (err as Error).stack ?? String(err) } satisfies FromReplica);
}
