/** Messages between the simulator and its worker threads. */
import type { RuntimeDeviceReport } from "./runtime-detector";

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
  /** First detection seq of every device in this run (see simulate.ts: the run's boot counter). */
  firstSeq: number;
  /** Connections opened per 100 ms (spread the connect storm). */
  connectRate: number;
  /** Devices (by id) that run the real device runtime on audio; the rest are scheduled. */
  runtime?: {
    ids: string[];
    /** Speech Commands-layout folder to take keyword clips from; none: synthetic clips. */
    clipsDir?: string;
    /** Stream noise level (standard deviation). */
    noise?: number;
    /** Stream seed base; device i's stream is seeded seed + its index. */
    seed: number;
  };
}

export interface WorkerStats {
  devices: number;
  online: number;
  detections: number;
  acked: number;
  buffered: number;
  dropped: number;
  activations: number;
  /** Devices that ran the real runtime: what they heard vs what was planted. */
  runtime: RuntimeDeviceReport[];
}

export type ToWorker = { type: "stop" } | { type: "stats" };
export type FromWorker =
  | { type: "connected"; online: number }
  | { type: "stats"; stats: WorkerStats }
  | { type: "stopped"; stats: WorkerStats }
  | { type: "error"; message: string };
