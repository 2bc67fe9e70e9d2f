import { parentPort, workerData } from "node:worker_threads";
import { writeWavAtomic } from "./files";
import type { ClipItem } from "./plan";
import type { ClipDefect } from "./quality";
import { renderClip } from "./render";
import type { EngineName } from "./tts/engine";
import { closeEngines, loadEngines } from "./tts/load";

/**
 * A render worker: loads its own engines, then renders and writes each batch of clips the
 * pool sends, answering `{ done }` per clip and `{ ready }` when it wants more.
 */
export interface WorkerInit {
  root: string;
  seed: number;
  engines: EngineName[];
  lang?: string;
  accentsFrom?: string[];
}

export type ToWorker = { items: ClipItem[] } | { stop: true };
export type FromWorker =
  | { ready: true }
  | { done: string }
  | { dropped: string; defect: ClipDefect }
  | { error: string };

const port = parentPort;
if (!port) throw new Error("synth worker: not started as a worker thread");
const init = workerData as WorkerInit;
const post = (m: FromWorker) => port.postMessage(m);

try {
  const engines = await loadEngines(init.engines, init.lang, init.accentsFrom);
  const byName = new Map(engines.map((e) => [e.name, e]));
  port.on("message", (m: ToWorker) => {
    if ("stop" in m) {
      closeEngines(engines);
      port.close();
      return;
    }
    try {
      for (const item of m.items) {
        const r = renderClip(item, init.seed, byName);
        if ("defect" in r) post({ dropped: item.rel, defect: r.defect });
        else {
          writeWavAtomic(init.root, item.rel, r.samples);
          post({ done: item.rel });
        }
      }
      post({ ready: true });
    } catch (err) {
      post({ error: (err as Error).message });
    }
  });
  post({ ready: true });
} catch (err) {
  post({ error: (err as Error).message });
}
