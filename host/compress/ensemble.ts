/**
 * Ensembles (seed 000, after BENN): N independently trained models vote with equal weight;
 * the ensemble's prediction is the mean of their class probabilities. Its memory is the sum of
 * the members' (nothing is shared), which is what makes 2- and 3-model binary ensembles a
 * size/accuracy trade-off to compare against single larger models.
 */
import * as tf from "@tensorflow/tfjs";
import { encodeModel } from "../../shared/model-format/encode";
import type { DeviceModel } from "../../shared/model-format/types";
import { IntEvaluator } from "./int-eval";

/** Mean softmax probabilities of logits-out tfjs models: [batch, classes]. */
export function ensembleProbabilities(models: tf.LayersModel[], x: tf.Tensor): tf.Tensor2D {
  if (models.length === 0) throw new Error("an ensemble needs at least one model");
  return tf.tidy(() => {
    const probs = models.map((m) => tf.softmax(m.predict(x) as tf.Tensor));
    return tf.div(tf.addN(probs), models.length) as tf.Tensor2D;
  });
}

/** Integer ensemble of exported files: members run with the shared kernels, scores averaged. */
export class DeviceEnsemble {
  private readonly members: IntEvaluator[];
  constructor(readonly models: DeviceModel[]) {
    if (models.length === 0) throw new Error("an ensemble needs at least one model");
    const labels = models[0].labels.join(",");
    for (const m of models)
      if (m.labels.join(",") !== labels)
        throw new Error(`ensemble members disagree on labels (${m.labels} vs ${labels})`);
    this.members = models.map((m) => new IntEvaluator(m));
  }

  scores(features: ArrayLike<number>): number[] {
    const all = this.members.map((e) => e.run(features).scores);
    return all[0].map((_, c) => all.reduce((s, v) => s + v[c], 0) / all.length);
  }

  /** Bytes of all member files together. */
  bytes(): number {
    return this.models.reduce((s, m) => s + encodeModel(m).length, 0);
  }
}
