/**
 * Shared memory between data-parallel replicas (the main thread is replica 0, worker threads
 * 1..size-1): a barrier, a sum across replicas, and the regions a step passes through (shards of
 * the batch, gradients, weights, losses). Replicas block in Atomics.wait; every exchange is a
 * barrier, so no replica runs more than one exchange ahead of another.
 */

/** Sizes that fix the layout; every replica builds the same Layout from them. */
export interface CommSizes {
  /** Replicas, the main thread included. */
  size: number;
  /** Largest shard of a worker (examples). */
  shard: number;
  /** Floats per example (frames x coefficients). */
  exampleFloats: number;
  /** Classes (soft targets per example). */
  classes: number;
  /** Floats of all trainable weights (gradients). */
  gradFloats: number;
  /** Floats of all model weights, non-trainable ones (batch-norm statistics) included. */
  weightFloats: number;
  /** Largest vector summed across replicas by allReduce (1 + 5 x batch-norm channels). */
  reduceFloats: number;
}

/** Control words (Int32 indices). */
const STOP = 0;
const FAILED = 1;
const ARRIVALS = 2; // one counter per replica from here

const SPIN = 2000;
const WAIT_MS = 200;

export class WorkerFailed extends Error {}

export class Comm {
  readonly ctrl: Int32Array;
  /** Per worker shard: x, labels, soft targets, and its header [examples, hasTargets]. */
  readonly x: Float32Array[];
  readonly labels: Int32Array[];
  readonly targets: Float32Array[];
  readonly header: Int32Array;
  /** Per replica: its examples x its gradients (f64). */
  readonly grads: Float64Array[];
  readonly weights: Float32Array;
  /** Per replica: [examples, loss sum, correct]. */
  readonly results: Float64Array;
  private readonly reduce: Float64Array[][];
  private reduceCalls = 0;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly sizes: CommSizes,
    readonly rank: number,
  ) {
    const s = sizes;
    let at = 0;
    const take = (bytes: number): number => {
      const start = at;
      at += Math.ceil(bytes / 8) * 8;
      return start;
    };
    this.ctrl = new Int32Array(buffer, take(4 * (ARRIVALS + s.size)), ARRIVALS + s.size);
    const workers = s.size - 1;
    this.header = new Int32Array(buffer, take(4 * 2 * s.size), 2 * s.size);
    this.x = [];
    this.labels = [];
    this.targets = [];
    for (let w = 0; w < workers; w++) {
      this.x.push(
        new Float32Array(buffer, take(4 * s.shard * s.exampleFloats), s.shard * s.exampleFloats),
      );
      this.labels.push(new Int32Array(buffer, take(4 * s.shard), s.shard));
      this.targets.push(
        new Float32Array(buffer, take(4 * s.shard * s.classes), s.shard * s.classes),
      );
    }
    this.grads = [];
    for (let r = 0; r < s.size; r++) {
      this.grads.push(new Float64Array(buffer, take(8 * s.gradFloats), s.gradFloats));
    }
    this.weights = new Float32Array(buffer, take(4 * s.weightFloats), s.weightFloats);
    this.results = new Float64Array(buffer, take(8 * 3 * s.size), 3 * s.size);
    this.reduce = [0, 1].map(() =>
      Array.from(
        { length: s.size },
        () => new Float64Array(buffer, take(8 * (s.reduceFloats + 1)), s.reduceFloats + 1),
      ),
    );
    if (at > buffer.byteLength) throw new Error("shared buffer too small for its layout");
  }

  /** Bytes a layout needs (an upper bound). */
  static bytes(s: CommSizes): number {
    const words = 4 * (ARRIVALS + 3 * s.size) + 64;
    const shards = (s.size - 1) * 4 * (s.shard * (s.exampleFloats + 1 + s.classes) + 8);
    return (
      words +
      shards +
      s.size * (8 * s.gradFloats + 8) +
      4 * s.weightFloats +
      8 +
      24 * s.size +
      2 * s.size * (8 * s.reduceFloats + 16) +
      64
    );
  }

  get stopped(): boolean {
    return Atomics.load(this.ctrl, STOP) !== 0;
  }

  /** Asks the workers to leave their loop at the next barrier. */
  stop(): void {
    Atomics.store(this.ctrl, STOP, 1);
    this.wakeAll();
  }

  /** Marks the run failed and wakes everyone, so no replica waits forever. */
  fail(): void {
    Atomics.store(this.ctrl, FAILED, 1);
    this.wakeAll();
  }

  private wakeAll(): void {
    for (let r = 0; r < this.sizes.size; r++) Atomics.notify(this.ctrl, ARRIVALS + r);
  }

  /** Waits until every replica has arrived here as often as this one. */
  barrier(): void {
    const mine = Atomics.add(this.ctrl, ARRIVALS + this.rank, 1) + 1;
    Atomics.notify(this.ctrl, ARRIVALS + this.rank);
    for (let r = 0; r < this.sizes.size; r++) {
      if (r === this.rank) continue;
      let spins = 0;
      for (;;) {
        const seen = Atomics.load(this.ctrl, ARRIVALS + r);
        if (seen >= mine) break;
        if (Atomics.load(this.ctrl, FAILED) !== 0) {
          throw new WorkerFailed("a data-parallel replica failed");
        }
        if (spins++ < SPIN) continue;
        Atomics.wait(this.ctrl, ARRIVALS + r, seen, WAIT_MS);
      }
    }
  }

  /**
   * Element-wise sum of `values` over all replicas, in rank order (the same bits everywhere).
   * Every replica must call it the same number of times with the same length.
   */
  allReduce(values: ArrayLike<number>): Float64Array {
    const n = values.length;
    if (n > this.sizes.reduceFloats)
      throw new Error(`allReduce of ${n} > ${this.sizes.reduceFloats} values`);
    const slots = this.reduce[this.reduceCalls++ & 1];
    const own = slots[this.rank];
    own[0] = n;
    for (let i = 0; i < n; i++) own[i + 1] = values[i];
    this.barrier();
    const sum = new Float64Array(n);
    for (let r = 0; r < this.sizes.size; r++) {
      const s = slots[r];
      if (s[0] !== n)
        throw new Error("data-parallel replicas are out of step (different exchanges)");
      for (let i = 0; i < n; i++) sum[i] += s[i + 1];
    }
    return sum;
  }
}
