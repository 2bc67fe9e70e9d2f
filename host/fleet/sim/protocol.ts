/** Messages between the simulator and its worker threads. */
export interface WorkerConfig {
  url: string;
  fleet: string;
  devices: { id: string; password?: string }[];
  model: Uint8Array;
  publicKey?: Uint8Array;
  keywords: string[];
  /** One keyword per device every this many ms (0: none). */
  everyMs: number;
  telemetryEveryMs?: number;
  /** Connections opened per 100 ms (spread the connect storm). */
  connectRate: number;
}

export interface WorkerStats {
  devices: number;
  online: number;
  detections: number;
  acked: number;
  buffered: number;
  dropped: number;
  activations: number;
}

export type ToWorker = { type: "stop" } | { type: "stats" };
export type FromWorker =
  | { type: "connected"; online: number }
  | { type: "stats"; stats: WorkerStats }
  | { type: "stopped"; stats: WorkerStats }
  | { type: "error"; message: string };
