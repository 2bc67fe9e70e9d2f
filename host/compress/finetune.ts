/**
 * A plain fine-tuning loop over in-memory features (pruning and PTQ/QAT comparisons): Adam,
 * softmax cross-entropy plus the precision penalty, shuffled mini-batches, no augmentation.
 * Seed 003 fine-tunes pruned TinyConv for 10 epochs at lr 1e-4. Full training with
 * augmentation and checkpoints is the trainer's loop (host/train).
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../data";
import { adam } from "../train/adam";
import type { FeatureBatch } from "./data";
import { precisionLoss } from "./train-hook";

export interface FinetuneOptions {
  epochs: number;
  lr?: number;
  batchSize?: number;
  seed?: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

export function finetune(model: tf.LayersModel, data: FeatureBatch, o: FinetuneOptions): number[] {
  const opt = adam(o.lr ?? 1e-4);
  const n = data.labels.length;
  const bs = o.batchSize ?? 64;
  const numClasses = (model.outputs[0].shape as number[]).at(-1) as number;
  const rng = new Rng(o.seed ?? 0);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const losses: number[] = [];
  for (let e = 0; e < o.epochs; e++) {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    let sum = 0;
    let batches = 0;
    for (let s = 0; s < n; s += bs) {
      const idx = tf.tensor1d(order.slice(s, s + bs), "int32");
      const loss = opt.minimize(
        () => {
          const x = tf.gather(data.x, idx);
          const y = tf.gather(tf.tensor1d(data.labels, "int32"), idx);
          const logits = model.apply(x, { training: true }) as tf.Tensor;
          const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(y, numClasses), logits) as tf.Scalar;
          return tf.add(ce, precisionLoss(model)) as tf.Scalar;
        },
        true,
        vars,
      ) as tf.Scalar;
      sum += loss.dataSync()[0];
      batches++;
      tf.dispose([loss, idx]);
    }
    losses.push(sum / Math.max(1, batches));
    o.onEpoch?.(e, losses[losses.length - 1]);
  }
  opt.dispose();
  return losses;
}
