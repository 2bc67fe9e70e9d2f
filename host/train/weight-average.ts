/**
 * An exponential moving average of a model's weights (Polyak averaging), updated after every
 * step; validation, the best checkpoint and export see the average, training keeps stepping
 * the raw weights. Late in a run the raw weights wander around a minimum with each step's noise;
 * their average sits nearer its centre, which is worth a little accuracy on unheard speakers
 * for nothing at inference time (the averaged model has the same shape and cost).
 *
 * Every weight is averaged, batch-norm moving statistics included, so the averaged network is
 * self-consistent. Early steps use a shorter memory, min(decay, (1 + n) / (10 + n)) after n
 * updates, so the average does not drag the random initial weights along for thousands of steps.
 */
import * as tf from "@tensorflow/tfjs";

export class WeightAverage {
  readonly decay: number;
  private shadow: tf.Tensor[];

  /** Starts the average at the model's current weights (or at `saved`, when resuming). */
  constructor(model: tf.LayersModel, decay: number, saved?: tf.Tensor[]) {
    if (!(decay > 0 && decay < 1))
      throw new RangeError(`weight average decay ${decay}: not in (0, 1)`);
    const weights = model.weights;
    if (saved && saved.length !== weights.length)
      throw new RangeError(
        `saved weight average has ${saved.length} tensors, the model ${weights.length}`,
      );
    this.decay = decay;
    this.shadow = weights.map((w, i) => tf.keep((saved ? saved[i] : w.read()).clone()));
  }

  /** The decay after `updates` updates: the warm-up memory, capped at `decay`. */
  decayAt(updates: number): number {
    const warm = (1 + updates) / (10 + updates);
    return warm < this.decay ? warm : this.decay;
  }

  /** Folds the model's weights into the average; `updates`: updates made before this one. */
  update(model: tf.LayersModel, updates: number): void {
    const d = this.decayAt(updates);
    const weights = model.weights;
    const next = tf.tidy(() =>
      this.shadow.map((s, i) => tf.keep(s.mul(d).add(weights[i].read().mul(1 - d)))),
    );
    tf.dispose(this.shadow);
    this.shadow = next;
  }

  /** The averaged weights, in model.weights order (owned by this object). */
  tensors(): readonly tf.Tensor[] {
    return this.shadow;
  }

  /** Runs `fn` with the averaged weights in the model, then puts the trained ones back. */
  async withAveraged<T>(model: tf.LayersModel, fn: () => Promise<T> | T): Promise<T> {
    const weights = model.weights;
    const trained = weights.map((w) => tf.keep(w.read().clone()));
    try {
      weights.forEach((w, i) => {
        w.write(this.shadow[i]);
      });
      return await fn();
    } finally {
      weights.forEach((w, i) => {
        w.write(trained[i]);
      });
      tf.dispose(trained);
    }
  }

  dispose(): void {
    tf.dispose(this.shadow);
    this.shadow = [];
  }
}
