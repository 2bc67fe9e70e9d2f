/**
 * `earshot fleet simulate`: N virtual nodes spread over worker threads (many per thread), each
 * with its own MQTT connection, sending telemetry and detections and accepting OTA. The first
 * `runtimeDevices` of them (spread over the workers) run the real device runtime in real time on
 * a synthetic audio stream with keywords planted at known times; the others fire scheduled
 * detections without audio (2 cores cannot run 1,000 networks in real time).
 */
import { Worker } from "node:worker_threads";
import { FleetError } from "../errors";
import type { FromWorker, WorkerConfig, WorkerStats } from "./protocol";
import type { RuntimeDeviceReport } from "./runtime-detector";

export interface SimulateOptions {
  url: string;
  fleet: string;
  devices: number;
  /** Device ids are prefix + index. */
  prefix: string;
  /** username -> password (from `earshot fleet broker-config`'s credentials.json). */
  credentials?: Record<string, string>;
  model: Uint8Array;
  publicKey?: Uint8Array;
  keywords: string[];
  everyMs: number;
  durationMs: number;
  telemetryEveryMs?: number;
  workers?: number;
  /** How many devices run the real runtime (default 0: all scheduled). */
  runtimeDevices?: number;
  /** Speech Commands-layout folder for the runtime devices' keyword clips (default: synthetic). */
  clipsDir?: string;
  /** Noise level of the runtime devices' streams (standard deviation, default 0.005). */
  noise?: number;
  seed?: number;
  /** First detection seq (default: the run's start time in ms, a boot counter). */
  firstSeq?: number;
}

/** Field quality over the real-runtime devices: detections vs planted keywords. */
export interface RuntimeSummary {
  devices: string[];
  /** Devices whose backlog at stop was under one second of audio. */
  realTime: number;
  maxLagMs: number;
  planted: number;
  hits: number;
  misses: number;
  falseAccepts: number;
  /** Per device: the quality figures and backlog (full reports via stats()). */
  perDevice: {
    device: string;
    planted: number;
    hits: number;
    falseAccepts: number;
    detections: number;
    lagMs: number;
    modelSwitches: number;
  }[];
}

export interface SimulateResult {
  devices: number;
  connected: number;
  connectSeconds: number;
  detections: number;
  acked: number;
  buffered: number;
  dropped: number;
  activations: number;
  workers: number;
  runtime: RuntimeSummary;
  /** Full reports of the real-runtime devices (what they heard, what was planted). */
  runtimeReports: RuntimeDeviceReport[];
}

export interface RunningSimulation {
  /** Resolves when every device is online. */
  connected: Promise<number>;
  stats(): Promise<WorkerStats>;
  /** Stops detectors, drains buffers, disconnects. */
  stop(): Promise<SimulateResult>;
}

const sum = (xs: WorkerStats[]): WorkerStats =>
  xs.reduce(
    (a, b) => ({
      devices: a.devices + b.devices,
      online: a.online + b.online,
      detections: a.detections + b.detections,
      acked: a.acked + b.acked,
      buffered: a.buffered + b.buffered,
      dropped: a.dropped + b.dropped,
      activations: a.activations + b.activations,
      runtime: a.runtime.concat(b.runtime),
    }),
    {
      devices: 0,
      online: 0,
      detections: 0,
      acked: 0,
      buffered: 0,
      dropped: 0,
      activations: 0,
      runtime: [],
    },
  );

export function summarizeRuntime(reports: RuntimeDeviceReport[]): RuntimeSummary {
  const total = (f: (r: RuntimeDeviceReport) => number) => reports.reduce((a, r) => a + f(r), 0);
  return {
    devices: reports.map((r) => r.device).sort(),
    realTime: reports.filter((r) => r.lagMs < 1000).length,
    maxLagMs: reports.reduce((a, r) => Math.max(a, r.maxLagMs), 0),
    planted: total((r) => r.quality.planted),
    hits: total((r) => r.quality.hits),
    misses: total((r) => r.quality.misses),
    falseAccepts: total((r) => r.quality.falseAccepts),
    perDevice: reports
      .map((r) => ({
        device: r.device,
        planted: r.quality.planted,
        hits: r.quality.hits,
        falseAccepts: r.quality.falseAccepts,
        detections: r.heard.length,
        lagMs: r.lagMs,
        modelSwitches: r.modelSwitches,
      }))
      .sort((a, b) => (a.device < b.device ? -1 : 1)),
  };
}

export function deviceId(prefix: string, i: number, n: number): string {
  return `${prefix}${String(i).padStart(String(Math.max(n - 1, 0)).length, "0")}`;
}

export function startSimulation(o: SimulateOptions): RunningSimulation {
  // The run's boot counter: sequence numbers start at the start time in ms, so a later run of
  // the same devices starts above every earlier one (ingest keys on (device, seq) and would
  // count a reused seq as a duplicate) unless a device said more than one keyword per ms.
  const firstSeq = o.firstSeq ?? Date.now();
  const nWorkers = Math.max(1, Math.min(o.workers ?? Math.ceil(o.devices / 250), o.devices));
  const t0 = performance.now();
  const workers: Worker[] = [];
  const waiters = new Map<Worker, ((m: FromWorker) => void)[]>();
  const connected: Promise<number>[] = [];
  const nRuntime = Math.max(0, Math.min(o.runtimeDevices ?? 0, o.devices));
  const runtimeIds = Array.from({ length: nRuntime }, (_, i) => deviceId(o.prefix, i, o.devices));
  for (let w = 0; w < nWorkers; w++) {
    const devices: WorkerConfig["devices"] = [];
    for (let i = w; i < o.devices; i += nWorkers) {
      const id = deviceId(o.prefix, i, o.devices);
      devices.push({ id, password: o.credentials?.[id] });
    }
    const cfg: WorkerConfig = {
      url: o.url,
      fleet: o.fleet,
      devices,
      model: o.model,
      publicKey: o.publicKey,
      keywords: o.keywords,
      everyMs: o.everyMs,
      telemetryEveryMs: o.telemetryEveryMs,
      firstSeq,
      connectRate: 50,
      runtime:
        nRuntime > 0
          ? {
              ids: runtimeIds.filter((id) => devices.some((d) => d.id === id)),
              clipsDir: o.clipsDir,
              noise: o.noise,
              seed: o.seed ?? 0,
            }
          : undefined,
    };
    const worker = new Worker(new URL("./worker-entry.mjs", import.meta.url), { workerData: cfg });
    workers.push(worker);
    waiters.set(worker, []);
    connected.push(
      new Promise((resolve, reject) => {
        worker.on("message", (m: FromWorker) => {
          if (m.type === "connected") resolve(m.online);
          else if (m.type === "error")
            reject(new FleetError(`simulator worker ${w}: ${m.message}`));
          else waiters.get(worker)?.shift()?.(m);
        });
        worker.on("error", reject);
      }),
    );
  }
  const ask = (w: Worker, type: "stats" | "stop") =>
    new Promise<WorkerStats>((resolve) => {
      waiters.get(w)?.push((m) => resolve((m as { stats: WorkerStats }).stats));
      w.postMessage({ type });
    });
  let connectSeconds = 0;
  const all = Promise.all(connected).then((xs) => {
    connectSeconds = (performance.now() - t0) / 1000;
    return xs.reduce((a, b) => a + b, 0);
  });
  // A worker that cannot connect its devices ends the run: stop every worker, so the process exits.
  all.catch(() => Promise.all(workers.map((w) => w.terminate())));
  return {
    connected: all,
    stats: async () => sum(await Promise.all(workers.map((w) => ask(w, "stats")))),
    async stop() {
      const s = sum(await Promise.all(workers.map((w) => ask(w, "stop"))));
      await Promise.all(workers.map((w) => w.terminate()));
      return {
        devices: o.devices,
        connected: await all.catch(() => 0),
        connectSeconds,
        detections: s.detections,
        acked: s.acked,
        buffered: s.buffered,
        dropped: s.dropped,
        activations: s.activations,
        workers: nWorkers,
        runtime: summarizeRuntime(s.runtime),
        runtimeReports: s.runtime,
      };
    },
  };
}
