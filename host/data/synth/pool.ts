import { Worker } from "node:worker_threads";
import type { ClipItem } from "./plan";
import type { ClipDefect } from "./quality";
import type { FromWorker, ToWorker, WorkerInit } from "./worker";

/** Clips per message: small enough to balance the load, large enough to amortize messaging. */
const BATCH = 4;

/**
 * Renders `items` (already in speaker order) on `jobs` worker threads, each with its own
 * engines; `onDone` is called per clip, with the defect of a take that was dropped. Output
 * bytes are the same as rendering in process, because each clip's randomness depends only on
 * its path.
 */
export function renderInWorkers(
  init: WorkerInit,
  items: readonly ClipItem[],
  jobs: number,
  onDone: (rel: string, defect?: ClipDefect) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let live = 0;
    let failed = false;
    const workers: Worker[] = [];
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      for (const w of workers) void w.terminate();
      reject(err);
    };
    for (let j = 0; j < Math.max(1, jobs); j++) {
      const w = new Worker(new URL("./worker-entry.mjs", import.meta.url), { workerData: init });
      workers.push(w);
      live++;
      const send = (m: ToWorker) => w.postMessage(m);
      w.on("message", (m: FromWorker) => {
        if ("done" in m) onDone(m.done);
        else if ("dropped" in m) onDone(m.dropped, m.defect);
        else if ("error" in m) fail(new Error(`synth worker: ${m.error}`));
        else if (next < items.length) {
          send({ items: items.slice(next, next + BATCH) });
          next += BATCH;
        } else send({ stop: true });
      });
      w.on("error", fail);
      w.on("exit", () => {
        live--;
        if (live === 0 && !failed) resolve();
      });
    }
  });
}
