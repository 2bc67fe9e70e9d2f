import { parentPort, workerData } from "node:worker_threads";
import type { TrainConfig } from "../config";
import type { InputNorm } from "../features";
import { loadTrainingData, makeBatchStream } from "../training-data";

/**
 * A batch worker: rebuilds the run's batch stream from its config (features from the disk
 * cache) and answers each requested index with that batch, buffers transferred, not copied.
 */
export interface PrefetchInit {
  config: TrainConfig;
  norm: InputNorm;
}

export type ToPrefetch = { index: number } | { stop: true };
export type FromPrefetch =
  | { ready: true }
  | { index: number; x: Float32Array; labels: Int32Array; targets?: Float32Array }
  | { error: string };

const port = parentPort;
if (!port) throw new Error("prefetch worker: not started as a worker thread");
const init = workerData as PrefetchInit;
const post = (m: FromPrefetch, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

try {
  const data = await loadTrainingData(init.config, { validation: false });
  const stream = makeBatchStream(init.config, data, init.norm);
  port.on("message", (m: ToPrefetch) => {
    if ("stop" in m) {
      port.close();
      return;
    }
    try {
      const b = stream.batch(m.index);
      post({ index: m.index, x: b.x, labels: b.labels, targets: b.targets }, [
        b.x.buffer as ArrayBuffer,
        b.labels.buffer as ArrayBuffer,
        ...(b.targets ? [b.targets.buffer as ArrayBuffer] : []),
      ]);
    } catch (err) {
      post({ error: (err as Error).message });
    }
  });
  post({ ready: true });
} catch (err) {
  post({ error: (err as Error).message });
}
