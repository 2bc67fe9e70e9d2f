/**
 * The ingest pipeline, transport-free: `accept(topic, payload, ack)` decodes with the protocol
 * codec, routes to the kind's handler, and calls `ack` only after the message's batch is
 * committed. Batching is group commit: while one batch is being written, arriving messages
 * collect into the next, so batch size follows load with no timer and no added latency.
 *
 * Contract: accept never throws. A bad payload is counted (stored counter + metric), logged,
 * and acked (redelivering it cannot help). A failed write is retried until it succeeds; nothing
 * of it is acked before then, so the broker redelivers it if this process dies meanwhile.
 */
import { decodeTopicPayload } from "../../../protocol/host";
import type { Store } from "../store/types";
import { batchSize, emptyBatch, type IngestBatch } from "../store/types";
import { handle, type IngestHooks } from "./handlers";
import type { FleetMetrics } from "./metrics";

export interface PipelineOptions {
  hooks?: IngestHooks;
  /** Where problems are reported (one line each); default stderr. */
  log?: (line: string) => void;
  /** Wait before retrying a failed write. */
  retryMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** PostgreSQL SQLSTATE classes 22 (data exception) and 23 (integrity): the rows, not the server. */
function isDataError(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
}

export class IngestPipeline {
  private batch = emptyBatch();
  private acks: (() => void)[] = [];
  private writing: Promise<void> | null = null;
  private rejectLogs = 0;
  private abandoned = false;
  private readonly log: (line: string) => void;
  private readonly hooks: IngestHooks;
  private readonly retryMs: number;

  constructor(
    private readonly store: Store,
    private readonly metrics: FleetMetrics,
    opts: PipelineOptions = {},
  ) {
    this.log = opts.log ?? ((l) => process.stderr.write(`${l}\n`));
    this.hooks = opts.hooks ?? {};
    this.retryMs = opts.retryMs ?? 250;
  }

  accept(topic: string, payload: Uint8Array, ack: () => void): void {
    if (this.abandoned) return;
    try {
      const m = decodeTopicPayload(topic, payload);
      this.metrics.received.inc({ kind: m.kind });
      handle(m, this.batch, this.hooks);
    } catch (e) {
      this.reject(topic, e);
    }
    this.acks.push(ack);
    if (!this.writing) this.writing = this.flushLoop();
  }

  /**
   * Stop retrying and acking (the connections are gone, or the process is going down hard):
   * whatever is not stored stays with the broker, which redelivers it.
   */
  abandon(): void {
    this.abandoned = true;
  }

  /** Resolves once everything accepted so far is persisted and acked. */
  async drain(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private reject(topic: string, e: unknown): void {
    this.batch.rejected++;
    const reason = String((e as { code?: unknown }).code ?? (e as Error).name ?? "error");
    this.metrics.rejected.inc({ reason });
    // Log the first few and then every 1000th: a hostile device must not flood the log.
    this.rejectLogs++;
    if (this.rejectLogs <= 10 || this.rejectLogs % 1000 === 0) {
      const shown = topic.length > 120 ? `${topic.slice(0, 120)}...` : topic;
      this.log(
        `ingest: rejected message on ${shown}: ${(e as Error).message} (#${this.rejectLogs})`,
      );
    }
  }

  private async flushLoop(): Promise<void> {
    while (this.acks.length > 0) {
      const batch = this.batch;
      const acks = this.acks;
      this.batch = emptyBatch();
      this.acks = [];
      const stored = await this.persist(batch);
      if (!stored || this.abandoned) break;
      for (const ack of acks) ack();
    }
    this.writing = null;
    if (this.abandoned) {
      this.acks = [];
      this.batch = emptyBatch();
    }
  }

  /** True once stored (or rejected as bad data); false when abandoned. */
  private async persist(batch: IngestBatch): Promise<boolean> {
    const t0 = performance.now();
    for (;;) {
      if (this.abandoned) return false;
      try {
        const r = await this.store.ingest(batch);
        this.metrics.stored.inc(r.inserted);
        this.metrics.duplicates.inc(r.duplicates);
        this.metrics.flushSeconds.observe((performance.now() - t0) / 1000);
        this.metrics.batchSize.observe(batchSize(batch));
        return true;
      } catch (e) {
        this.metrics.storeErrors.inc();
        if (isDataError(e) && batchSize(batch) > 1) {
          // One bad row must not hold up the rest: write record by record, reject the bad ones.
          for (const one of splitBatch(batch)) await this.persistOne(one);
          return !this.abandoned;
        }
        if (isDataError(e)) {
          this.reject("(batch)", e);
          return true;
        }
        this.log(`ingest: store write failed, retrying: ${(e as Error).message}`);
        await sleep(this.retryMs);
      }
    }
  }

  private async persistOne(b: IngestBatch): Promise<void> {
    try {
      await this.persist(b);
    } catch (e) {
      this.reject("(record)", e);
    }
  }
}

function splitBatch(b: IngestBatch): IngestBatch[] {
  const out: IngestBatch[] = [];
  const one = (fill: (x: IngestBatch) => void) => {
    const x = emptyBatch();
    fill(x);
    out.push(x);
  };
  for (const r of b.detections) one((x) => x.detections.push(r));
  for (const r of b.telemetry) one((x) => x.telemetry.push(r));
  for (const r of b.status) one((x) => x.status.push(r));
  for (const r of b.otaReports) one((x) => x.otaReports.push(r));
  for (const r of b.acks) one((x) => x.acks.push(r));
  if (out.length > 0) out[0].rejected = b.rejected;
  return out;
}
