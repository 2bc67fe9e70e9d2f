/**
 * Ingest inside the embedded broker's publish path: the `beforeAck` hook of
 * broker/embedded.ts. Messages ingest takes (up kinds on a device topic, of the served fleet)
 * go through the pipeline, and the broker's PUBACK waits for the pipeline's ack, i.e. for the
 * committed row. Everything else passes at once. There is no subscriber in between, so there is
 * no moment in which the broker acks a message that ingest has not stored.
 */
import { parseTopic } from "../../../protocol/topics";
import { INGEST_KINDS } from "./handlers";
import type { IngestPipeline } from "./pipeline";

const TAKEN: ReadonlySet<string> = new Set(INGEST_KINDS);

export function inBrokerIngest(
  pipeline: IngestPipeline,
  fleet?: string,
): (topic: string, payload: Buffer, done: () => void) => void {
  return (topic, payload, done) => {
    let take = false;
    try {
      const t = parseTopic(topic);
      take =
        TAKEN.has(t.kind) &&
        t.target.scope === "device" &&
        (fleet === undefined || t.fleet === fleet);
    } catch {
      // Not a protocol topic (only the service account may publish those): nothing to store.
    }
    if (take) pipeline.accept(topic, payload, done);
    else done();
  };
}
