/**
 * Batches made ahead in worker threads while the training step runs on the main thread: the
 * audio-domain augmentation and front end of the next batches use the other core(s) instead of
 * waiting for the step (issue 13's "augmentation of the next batch in a worker"). Batch i is a
 * pure function of the config and i (its randomness forks from (seed, i), never from a worker's
 * state), so a worker's batch equals the in-process one bit for bit whatever the number of
 * workers; they take indices round-robin and the loop still consumes them in order.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { nativeAddon } from "../../native/load";
import type { Batch } from "../batches";
import type { TrainConfig } from "../config";
import type { InputNorm } from "../features";
import { type BatchStream, makeBatchStream, type TrainingData } from "../training-data";
import type { FromPrefetch, PrefetchInit, ToPrefetch } from "./worker";

export interface AsyncBatchStream {
  batch(index: number): Promise<Batch>;
  close(): Promise<void>;
}

/** In-process stream behind the async interface (no workers). */
export function inProcess(stream: BatchStream): AsyncBatchStream {
  return { batch: async (i) => stream.batch(i), close: async () => {} };
}

interface Pending {
  resolve: (b: Batch) => void;
  reject: (e: Error) => void;
  promise: Promise<Batch>;
}

class WorkerBatchStream implements AsyncBatchStream {
  private readonly pending = new Map<number, Pending>();
  private failure: Error | null = null;

  constructor(
    private readonly workers: Worker[],
    /** Batches requested ahead of the one consumed. */
    private readonly depth: number,
  ) {
    for (const w of workers) {
      w.on("message", (m: FromPrefetch) => {
        if ("error" in m) this.fail(new Error(`batch worker: ${m.error}`));
        else if ("index" in m)
          this.pending
            .get(m.index)
            ?.resolve(
              m.targets
                ? { x: m.x, labels: m.labels, targets: m.targets }
                : { x: m.x, labels: m.labels },
            );
      });
      w.on("error", (e) => this.fail(e));
    }
  }

  private fail(e: Error): void {
    this.failure = e;
    for (const p of this.pending.values()) p.reject(e);
  }

  private request(index: number): Pending {
    let p = this.pending.get(index);
    if (p) return p;
    let resolve!: (b: Batch) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<Batch>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {}); // a failure surfaces when (if) the batch is awaited
    p = { resolve, reject, promise };
    this.pending.set(index, p);
    if (this.failure) reject(this.failure);
    else this.workers[index % this.workers.length].postMessage({ index } satisfies ToPrefetch);
    return p;
  }

  async batch(index: number): Promise<Batch> {
    for (let k = 1; k <= this.depth; k++) this.request(index + k);
    const p = this.request(index);
    try {
      return await p.promise;
    } finally {
      this.pending.delete(index);
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        w.postMessage({ stop: true } satisfies ToPrefetch);
        await w.terminate();
      }),
    );
  }
}

/** Waits for a worker's `ready` (it has loaded the data), or its first error. */
function started(w: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromPrefetch) => {
      if ("ready" in m) resolve();
      else if ("error" in m) reject(new Error(`batch worker: ${m.error}`));
      else return;
      w.off("message", onMessage);
    };
    w.on("message", onMessage);
    w.once("error", reject);
  });
}

/** The most prefetch workers a run starts (also the CLI's bound). */
export const MAX_WORKERS = 16;

/**
 * Workers for `prefetchWorkers: "auto"`, less one for each data-parallel replica beyond the main
 * thread's (replica workers are busy all step). With the augmentation in TS a kws12 batch costs
 * more CPU than a step, so a worker on every core (the step's included) keeps all cores busy;
 * with it in the native addon a batch costs less than a step, and one core left to the step is
 * faster (bench/train-step, 2 cores: 74-76 ms a batch with one worker, 97-99 with two, against
 * a 73 ms step). An online teacher (`--teacher`) scores every row in the worker, and its batch
 * costs more than the step again, so it gets a worker on every core.
 */
export function autoPrefetchWorkers(
  cores = availableParallelism(),
  replicas = 1,
  nativeAugmentation = nativeAddon() !== null,
  teacher = false,
): number {
  const stepCore = nativeAugmentation && !teacher ? 1 : 0;
  const perCore = cores - Math.max(0, replicas - 1) - stepCore;
  return Math.max(1, Math.min(MAX_WORKERS, perCore));
}

/** The number of workers `config` asks for, "auto" resolved. */
export function prefetchWorkerCount(
  config: Pick<TrainConfig, "prefetchWorkers" | "replicas" | "teacher">,
): number {
  const n = config.prefetchWorkers ?? 0;
  return n === "auto"
    ? autoPrefetchWorkers(
        availableParallelism(),
        config.replicas ?? 1,
        nativeAddon() !== null,
        config.teacher !== undefined,
      )
    : n;
}

/**
 * The run's batch stream: `config.prefetchWorkers` workers (0: in the main thread). Workers read
 * features from the disk cache, so without one (`cacheDir` null) they would recompute them all:
 * then the stream stays in process.
 */
export async function openBatchStream(
  config: TrainConfig,
  data: TrainingData,
  norm: InputNorm,
): Promise<AsyncBatchStream> {
  const n = prefetchWorkerCount(config);
  if (n <= 0 || config.cacheDir === null) return inProcess(makeBatchStream(config, data, norm));
  const init: PrefetchInit = { config, norm };
  const workers = Array.from(
    { length: n },
    () => new Worker(new URL("./worker-entry.mjs", import.meta.url), { workerData: init }),
  );
  try {
    await Promise.all(workers.map(started));
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }
  return new WorkerBatchStream(workers, 2 * n);
}
