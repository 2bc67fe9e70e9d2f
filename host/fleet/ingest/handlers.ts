/**
 * One handler per topic kind (STYLE habit 9): each turns a decoded message into what the batch
 * stores, or hands it to the service (OTA chunk requests). Topics and payloads arrive already
 * decoded by the protocol codec; handlers only check what the database cannot hold.
 */
import type { TopicMessage } from "../../../protocol/host";
import type { OtaRequest } from "../../../protocol/messages";
import { EarshotError } from "../../../shared/errors";
import type { IngestBatch, Origin } from "../store/types";

/** What the service does with messages that are not stored. */
export interface IngestHooks {
  /** A device asks for OTA chunks (host/ota answers). */
  onOtaRequest?(origin: Origin, req: OtaRequest): void;
}

type Handler<K extends TopicMessage["kind"]> = (
  m: Extract<TopicMessage, { kind: K }>,
  origin: Origin,
  batch: IngestBatch,
  hooks: IngestHooks,
) => void;

export class IngestRangeError extends EarshotError {
  constructor(message: string) {
    super("ingest-range", message);
    this.name = "IngestRangeError";
  }
}

const INT4_MAX = 2 ** 31 - 1;
function int4(what: string, v: number): void {
  if (v > INT4_MAX) throw new IngestRangeError(`${what} ${v} exceeds ${INT4_MAX}`);
}

const onDetection: Handler<"det"> = (m, origin, batch) => {
  int4("modelVersion", m.message.modelVersion);
  batch.detections.push({ ...origin, det: m.message });
};

const onTelemetry: Handler<"tel"> = (m, origin, batch) => {
  const t = m.message;
  int4("modelVersion", t.modelVersion);
  int4("buffered", t.buffered);
  int4("dropped", t.dropped);
  int4("reconnects", t.reconnects);
  batch.telemetry.push({ ...origin, tel: t });
};

const onStatus: Handler<"status"> = (m, origin, batch) => {
  if (m.message.modelVersion !== undefined) int4("modelVersion", m.message.modelVersion);
  batch.status.push({ ...origin, status: m.message });
};

const onOtaReport: Handler<"ota/report"> = (m, origin, batch) => {
  int4("version", m.message.version);
  int4("activeVersion", m.message.activeVersion);
  batch.otaReports.push({ ...origin, report: m.message });
};

const onOtaRequest: Handler<"ota/req"> = (m, origin, _batch, hooks) => {
  hooks.onOtaRequest?.(origin, m.message);
};

/** Command acks are stored: refusals of unsigned, forged or replayed commands show there. */
const onAck: Handler<"ack"> = (m, origin, batch) => {
  batch.acks.push({ ...origin, ack: m.message });
};

/** Dispatch on topic kind; down kinds (cmd, ota/offer, ota/chunk) never reach ingest filters. */
export function handle(m: TopicMessage, batch: IngestBatch, hooks: IngestHooks): void {
  if (m.topic.target.scope !== "device") throw new IngestRangeError("group topic on ingest");
  const origin: Origin = { fleet: m.topic.fleet, deviceId: m.topic.target.id };
  switch (m.kind) {
    case "det":
      onDetection(m, origin, batch, hooks);
      return;
    case "tel":
      onTelemetry(m, origin, batch, hooks);
      return;
    case "status":
      onStatus(m, origin, batch, hooks);
      return;
    case "ota/report":
      onOtaReport(m, origin, batch, hooks);
      return;
    case "ota/req":
      onOtaRequest(m, origin, batch, hooks);
      return;
    case "ack":
      onAck(m, origin, batch, hooks);
      return;
    default:
      throw new IngestRangeError(`ingest does not take "${m.kind}" messages`);
  }
}

/** Topic kinds ingest subscribes to. */
export const INGEST_KINDS = ["det", "tel", "status", "ota/report", "ota/req", "ack"] as const;
