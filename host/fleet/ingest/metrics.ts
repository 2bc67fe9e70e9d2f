/** Prometheus metrics of the fleet service, in their own registry (several services per process in tests). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export class FleetMetrics {
  readonly registry = new Registry();
  readonly received = new Counter({
    name: "earshot_ingest_received_total",
    help: "MQTT messages received by ingest, by topic kind",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: "earshot_ingest_rejected_total",
    help: "Payloads or topics that failed to decode or validate (counted, acked, not stored)",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly stored = new Counter({
    name: "earshot_ingest_detections_stored_total",
    help: "Detections newly stored",
    registers: [this.registry],
  });
  readonly duplicates = new Counter({
    name: "earshot_ingest_duplicates_total",
    help: "Detections redelivered under an already stored (device, seq)",
    registers: [this.registry],
  });
  readonly flushSeconds = new Histogram({
    name: "earshot_ingest_flush_seconds",
    help: "Time to persist one ingest batch",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2],
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: "earshot_ingest_batch_messages",
    help: "Messages per persisted batch",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [this.registry],
  });
  readonly storeErrors = new Counter({
    name: "earshot_ingest_store_errors_total",
    help: "Failed batch writes (retried; nothing is acked before it is stored)",
    registers: [this.registry],
  });
  readonly sessionLost = new Counter({
    name: "earshot_ingest_session_lost_total",
    help: "Ingest sessions lost without the service asking (takenOver: another client used its id; closedByBroker: that or a broker restart)",
    labelNames: ["worker", "reason"] as const,
    registers: [this.registry],
  });
  readonly connected = new Gauge({
    name: "earshot_ingest_connections",
    help: "Ingest MQTT connections currently up",
    registers: [this.registry],
  });

  constructor(defaults = false) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }
}
