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
import { registerBatchSync, withBatchSync } from "./batch-sync";
import { Comm, type CommSizes } from "./comm";

export interface ReplicaInit {
  buffer: SharedArrayBuffer;
  sizes: CommSizes;
  rank: number;
  model: { name: string; config: Record<string, unknown> };
  inputShape: [number, number, number];
  distill?: { weight: number; temperature: number };
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
  const lossOf = classifierLoss(model, { distill: init.distill });
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const [frames, coeffs] = init.inputShape;
  const e = frames * coeffs;
  const classes = init.sizes.classes;
  const w = init.rank - 1;
  for (;;) {
    comm.barrier();
    if (comm.stopped) return;
    tf.tidy(() => takeWeights(model));
    const n = comm.header[2 * init.rank];
    const hasTargets = comm.header[2 * init.rank + 1] === 1;
    let correct: tf.Tensor | undefined;
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor4d(comm.x[w].subarray(0, n * e), [n, frames, coeffs, 1]);
      const labels = tf.tensor1d(comm.labels[w].subarray(0, n), "int32");
      const targets = hasTargets
        ? tf.tensor2d(comm.targets[w].subarray(0, n * classes), [n, classes])
        : undefined;
      return withBatchSync(comm, () =>
        tf.variableGrads(() => {
          const r = lossOf(x, labels, targets);
          correct = r.correct;
          return r.loss;
        }, vars),
      );
    });
    const out = comm.grads[init.rank];
    let at = 0;
    for (const v of vars) {
      const g = grads[v.name].dataSync();
      for (let i = 0; i < g.length; i++) out[at + i] = n * g[i];
      at += g.length;
    }
    comm.results[3 * init.rank] = n;
    comm.results[3 * init.rank + 1] = n * value.dataSync()[0];
    comm.results[3 * init.rank + 2] = (correct as tf.Tensor).dataSync()[0];
    tf.dispose([value, correct as tf.Tensor, ...Object.values(grads)]);
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
