/**
 * The fleet store contract. Ingest, the HTTP API and OTA publishing see only this interface;
 * PGlite (embedded, default) and PostgreSQL implement it over the same schema (migrations/), and
 * test/fleet/store.contract.test.ts checks both against the same table of cases.
 */
import type {
  CommandAck,
  Detection,
  OtaReport,
  Status,
  Telemetry,
} from "../../../protocol/messages";
import type { DeploymentRow, OtaStore } from "../../ota/records";

export type { ArtifactRecord, DeploymentRecord, DeploymentRow } from "../../ota/records";

/** Who sent a message: taken from the topic, which the broker ACL ties to the MQTT username. */
export interface Origin {
  fleet: string;
  deviceId: string;
}

export interface DetectionRecord extends Origin {
  det: Detection;
}
export interface TelemetryRecord extends Origin {
  tel: Telemetry;
}
export interface StatusRecord extends Origin {
  status: Status;
}
export interface OtaReportRecord extends Origin {
  report: OtaReport;
}
export interface AckRecord extends Origin {
  ack: CommandAck;
}

/** Everything one ingest flush writes, in one transaction. */
export interface IngestBatch {
  detections: DetectionRecord[];
  telemetry: TelemetryRecord[];
  status: StatusRecord[];
  otaReports: OtaReportRecord[];
  acks: AckRecord[];
  /** Payloads that failed to decode since the last flush (counted, never stored). */
  rejected: number;
}

export interface IngestResult {
  /** Detections newly stored. */
  inserted: number;
  /** Detections already stored under the same (device, seq): redeliveries. */
  duplicates: number;
}

export interface Summary {
  devices: number;
  online: number;
  detections: number;
  /** Captured near-miss windows (stored beside detections, not counted as detections). */
  nearMisses: number;
  duplicates: number;
  rejected: number;
  telemetry: number;
  otaOutcomes: number;
}

export interface DeviceRow {
  deviceId: string;
  fleet: string;
  firstSeen: string;
  lastSeen: string;
  online: boolean | null;
  runtime: string | null;
  modelId: string | null;
  modelVersion: number | null;
  detections: number;
  /** Staged-rollout cohort ("canary", "control"; "all" when never in one). */
  cohort: string;
}

export interface DetectionRow {
  id: number;
  deviceId: string;
  fleet: string;
  seq: number;
  deviceMs: number;
  clockSynced: boolean;
  keyword: string;
  score: number;
  modelId: string;
  modelVersion: number;
  receivedAt: string;
}

export interface DetectionQuery {
  deviceId?: string;
  fleet?: string;
  /** Rows with id > afterId (cursor paging), ascending by id. */
  afterId?: number;
  limit?: number;
}

/** Per deployment: outcome counts reported by its target devices. */
export interface OtaStatusRow extends DeploymentRow {
  outcomes: Record<string, number>;
  /** Latest outcome per device. */
  devicesReported: { deviceId: string; outcome: string; detail: string | null }[];
}

export interface Store extends OtaStore {
  /** Write one ingest flush atomically: either all of it is stored or none (then it throws). */
  ingest(batch: IngestBatch): Promise<IngestResult>;
  summary(): Promise<Summary>;
  devices(fleet?: string): Promise<DeviceRow[]>;
  detections(q: DetectionQuery): Promise<DetectionRow[]>;
  /** Deployments, newest first, with the outcomes their devices reported. */
  otaStatus(): Promise<OtaStatusRow[]>;
  close(): Promise<void>;
}

export function emptyBatch(): IngestBatch {
  return { detections: [], telemetry: [], status: [], otaReports: [], acks: [], rejected: 0 };
}

export function batchSize(b: IngestBatch): number {
  return (
    b.detections.length + b.telemetry.length + b.status.length + b.otaReports.length + b.acks.length
  );
}
