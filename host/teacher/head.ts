import * as tf from "@tensorflow/tfjs";
import { Rng } from "../data/rng";
import { adam } from "../train/adam";
import { EMBED_DIM, EMBED_FRAMES, EMBED_SIZE } from "./embed";

/**
 * The teacher's classifier: a small dense head over one clip's stacked embedding sequence
 * (EMBED_FRAMES x EMBED_DIM). The embedding stays frozen; only this head learns, which is why a
 * few thousand clips are enough. The head outputs logits so soft labels can be tempered.
 */

export interface HeadConfig {
  /** Units of the one hidden layer. */
  hidden: number;
  /** Dropout on the input and after the hidden layer (training only). */
  dropout: number;
}

export const DEFAULT_HEAD: HeadConfig = { hidden: 128, dropout: 0.5 };

/** Embedding sequences with labels: row i of `x` (EMBED_SIZE long) has class `y[i]`. */
export interface EmbeddedSet {
  x: Float32Array;
  y: Int32Array;
  /** Example id of each row (see ids.ts); augmented copies repeat their clip's id. */
  ids: string[];
}

/** A saved head (JSON): everything needed to rebuild it, plus how it was made. */
export interface HeadFile {
  format: "earshot-teacher-head/1";
  labels: string[];
  config: HeadConfig;
  /** Per-feature standardisation measured on the training rows. */
  mean: number[];
  std: number[];
  /** Layer weights in tfjs `getWeights()` order: shape and little-endian float32 as base64. */
  weights: { shape: number[]; data: string }[];
  embedding: { package: string; version: string; frames: number; dim: number };
  /** Free-form provenance: data, split, seed, accuracies. */
  provenance: Record<string, unknown>;
}

/** The head's layers; `seed` fixes the initial weights and dropout masks so runs repeat. */
function buildModel(classes: number, cfg: HeadConfig, seed = 0): tf.Sequential {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 4 + k });
  const m = tf.sequential();
  m.add(tf.layers.dropout({ rate: cfg.dropout / 2, inputShape: [EMBED_SIZE], seed: seed * 4 + 2 }));
  m.add(tf.layers.dense({ units: cfg.hidden, activation: "relu", kernelInitializer: init(0) }));
  m.add(tf.layers.dropout({ rate: cfg.dropout, seed: seed * 4 + 3 }));
  m.add(tf.layers.dense({ units: classes, kernelInitializer: init(1) }));
  return m;
}

function standardise(x: Float32Array, mean: Float32Array, std: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const j = i % EMBED_SIZE;
    out[i] = (x[i] - mean[j]) / std[j];
  }
  return out;
}

/** Softmax of logits / temperature, row by row. */
export function softmaxRows(logits: Float32Array, classes: number, temperature = 1): Float32Array {
  if (!(temperature > 0)) throw new RangeError(`temperature must be > 0 (got ${temperature})`);
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length / classes; r++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[r * classes + c] / temperature);
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp(logits[r * classes + c] / temperature - max);
      out[r * classes + c] = e;
      sum += e;
    }
    for (let c = 0; c < classes; c++) out[r * classes + c] /= sum;
  }
  return out;
}

export class Head {
  private constructor(
    private readonly model: tf.Sequential,
    readonly labels: string[],
    readonly config: HeadConfig,
    private readonly mean: Float32Array,
    private readonly std: Float32Array,
  ) {}

  get classes(): number {
    return this.labels.length;
  }

  /** Logits for n stacked embedding sequences (n x classes, row-major). */
  logits(x: Float32Array): Float32Array {
    const n = x.length / EMBED_SIZE;
    if (!Number.isInteger(n))
      throw new RangeError(`head: input is not a multiple of ${EMBED_SIZE}`);
    return tf.tidy(() => {
      const t = tf.tensor2d(standardise(x, this.mean, this.std), [n, EMBED_SIZE]);
      return (this.model.predict(t) as tf.Tensor).dataSync() as Float32Array;
    });
  }

  /** Class probabilities at `temperature` (n x classes). */
  probs(x: Float32Array, temperature = 1): Float32Array {
    return softmaxRows(this.logits(x), this.classes, temperature);
  }

  /** Fraction of rows whose arg-max is their label. */
  accuracy(set: EmbeddedSet): number {
    const lg = this.logits(set.x);
    let right = 0;
    for (let r = 0; r < set.y.length; r++) {
      let best = 0;
      for (let c = 1; c < this.classes; c++)
        if (lg[r * this.classes + c] > lg[r * this.classes + best]) best = c;
      if (best === set.y[r]) right++;
    }
    return set.y.length ? right / set.y.length : 0;
  }

  toFile(embedding: HeadFile["embedding"], provenance: Record<string, unknown>): HeadFile {
    return {
      format: "earshot-teacher-head/1",
      labels: this.labels,
      config: this.config,
      mean: Array.from(this.mean),
      std: Array.from(this.std),
      weights: this.model.getWeights().map((w) => ({
        shape: w.shape,
        data: Buffer.from((w.dataSync() as Float32Array).buffer).toString("base64"),
      })),
      embedding,
      provenance,
    };
  }

  static fromFile(f: HeadFile): Head {
    if (f.format !== "earshot-teacher-head/1")
      throw new Error(`not a teacher head file (format '${f.format}')`);
    if (f.embedding.frames !== EMBED_FRAMES || f.embedding.dim !== EMBED_DIM)
      throw new Error(`teacher head expects ${f.embedding.frames}x${f.embedding.dim} embeddings`);
    const model = buildModel(f.labels.length, f.config);
    model.setWeights(
      f.weights.map((w) => {
        const b = Buffer.from(w.data, "base64");
        const data = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        return tf.tensor(data, w.shape);
      }),
    );
    return new Head(model, f.labels, f.config, Float32Array.from(f.mean), Float32Array.from(f.std));
  }

  /**
   * Trains a fresh head on `train`, keeping the weights of the epoch with the best accuracy on
   * `validation` (real held-out speakers: picking on synthetic clips misleads).
   */
  static async train(
    labels: string[],
    train: EmbeddedSet,
    validation: EmbeddedSet,
    opts: TrainOptions = {},
  ): Promise<{ head: Head; bestEpoch: number; valAccuracy: number; curve: number[] }> {
    const cfg = { ...DEFAULT_HEAD, ...opts.config };
    const epochs = opts.epochs ?? 40;
    const batch = opts.batchSize ?? 64;
    const rng = new Rng(opts.seed ?? 0);
    const { mean, std } = moments(train.x);
    const model = buildModel(labels.length, cfg, opts.seed ?? 0);
    const optimizer = adam(opts.learningRate ?? 1e-3);
    const head = new Head(model, labels, cfg, mean, std);
    const x = standardise(train.x, mean, std);
    const n = train.y.length;
    const order = Array.from({ length: n }, (_, i) => i);
    let best = { acc: -1, epoch: -1, weights: [] as tf.Tensor[] };
    const curve: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      rng.shuffle(order);
      for (let s = 0; s < n; s += batch) {
        const idx = order.slice(s, s + batch);
        const xb = new Float32Array(idx.length * EMBED_SIZE);
        for (const [i, r] of idx.entries())
          xb.set(x.subarray(r * EMBED_SIZE, (r + 1) * EMBED_SIZE), i * EMBED_SIZE);
        const yb = Int32Array.from(idx, (r) => train.y[r]);
        tf.tidy(() => {
          const xt = tf.tensor2d(xb, [idx.length, EMBED_SIZE]);
          const yt = tf.oneHot(tf.tensor1d(yb, "int32"), labels.length);
          optimizer.minimize(
            () =>
              tf.losses.softmaxCrossEntropy(
                yt,
                model.apply(xt, { training: true }) as tf.Tensor,
                undefined,
                opts.labelSmoothing ?? 0.1,
              ) as tf.Scalar,
          );
        });
      }
      const acc = head.accuracy(validation);
      curve.push(acc);
      opts.onEpoch?.(epoch, acc);
      if (acc > best.acc) {
        for (const w of best.weights) w.dispose();
        best = { acc, epoch, weights: model.getWeights().map((w) => w.clone()) };
      }
    }
    model.setWeights(best.weights);
    for (const w of best.weights) w.dispose();
    optimizer.dispose();
    return { head, bestEpoch: best.epoch, valAccuracy: best.acc, curve };
  }
}

export interface TrainOptions {
  config?: Partial<HeadConfig>;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  labelSmoothing?: number;
  seed?: number;
  onEpoch?: (epoch: number, valAccuracy: number) => void;
}

/** Per-feature mean and standard deviation over the rows of x (std floored so none divides by 0). */
function moments(x: Float32Array): { mean: Float32Array; std: Float32Array } {
  const n = x.length / EMBED_SIZE;
  const mean = new Float32Array(EMBED_SIZE);
  const sq = new Float64Array(EMBED_SIZE);
  for (let r = 0; r < n; r++)
    for (let j = 0; j < EMBED_SIZE; j++) {
      const v = x[r * EMBED_SIZE + j];
      mean[j] += v / n;
      sq[j] += (v * v) / n;
    }
  const std = new Float32Array(EMBED_SIZE);
  for (let j = 0; j < EMBED_SIZE; j++) std[j] = Math.sqrt(Math.max(sq[j] - mean[j] ** 2, 1e-6));
  return { mean, std };
}
