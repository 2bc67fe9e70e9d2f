/**
 * One replica's part of a data-parallel step: the loss and gradients of its shard (batch
 * statistics summed over all replicas), left in shared memory scaled by the shard's example
 * count, with [examples, loss sum, correct] in its results slot.
 */
import * as tf from "@tensorflow/tfjs";
import type { classifierLoss } from "../step";
import { withBatchSync } from "./batch-sync";
import type { Comm } from "./comm";

export interface Shard {
  x: Float32Array;
  labels: Int32Array;
  targets?: Float32Array;
  /** Examples in the shard. */
  n: number;
}

export function shardGradients(
  comm: Comm,
  lossOf: ReturnType<typeof classifierLoss>,
  vars: tf.Variable[],
  inputShape: [number, number, number],
  classes: number,
  shard: Shard,
): void {
  const { n } = shard;
  let correct: tf.Tensor | undefined;
  const { value, grads } = tf.tidy(() => {
    const x = tf.tensor4d(shard.x, [n, ...inputShape]);
    const labels = tf.tensor1d(shard.labels, "int32");
    const targets = shard.targets ? tf.tensor2d(shard.targets, [n, classes]) : undefined;
    return withBatchSync(comm, () =>
      tf.variableGrads(() => {
        const r = lossOf(x, labels, targets);
        correct = r.correct;
        return r.loss;
      }, vars),
    );
  });
  const out = comm.grads[comm.rank];
  let at = 0;
  for (const v of vars) {
    const g = grads[v.name].dataSync();
    for (let i = 0; i < g.length; i++) out[at + i] = n * g[i];
    at += g.length;
  }
  comm.results[3 * comm.rank] = n;
  comm.results[3 * comm.rank + 1] = n * value.dataSync()[0];
  comm.results[3 * comm.rank + 2] = (correct as tf.Tensor).dataSync()[0];
  tf.dispose([value, correct as tf.Tensor, ...Object.values(grads)]);
}
