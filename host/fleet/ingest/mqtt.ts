/**
 * MQTT side of ingest: `workers` connections, each a persistent session (clean start off, long
 * session expiry) subscribed at QoS 1. The PUBACK for a message is sent only when the pipeline
 * acks it (deferred-acks.ts), so a message is either stored or still owned by the broker.
 *
 * One worker holds a plain subscription in its persistent session: the broker keeps it, and
 * queues for it, across broker and service restarts. Several workers (`shared`) use MQTT 5
 * shared subscriptions (`$share/{group}/...`) so the broker splits messages among them, here
 * and in other processes. Caveat measured on mosquitto 2.0.11: messages published while the
 * broker restarts, before the workers re-subscribe, are lost for shared subscriptions (the
 * broker does not restore them from persistence); see deploy/README.md.
 */
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { hostFilter } from "../../../protocol/topics";
import { FleetError } from "../errors";
import { serviceClientIds } from "./client-ids";
import { deferPubacks } from "./deferred-acks";
import { INGEST_KINDS } from "./handlers";
import type { FleetMetrics } from "./metrics";
import type { IngestPipeline } from "./pipeline";

export interface MqttIngestOptions {
  url: string;
  /** Connections; more than 1 needs MQTT 5 shared subscriptions. */
  workers: number;
  protocolVersion: 4 | 5;
  /** Shared-subscription group, and the client id prefix (sessions are found again by id). */
  group: string;
  /** Only this fleet (default: all). */
  fleet?: string;
  /** MQTT 5 shared subscription (needed for workers > 1). */
  shared?: boolean;
  log?: (line: string) => void;
}

export const SESSION_EXPIRY_S = 7 * 24 * 3600;
/** MQTT 5 DISCONNECT reason: another connection with this client id took the session. */
const SESSION_TAKEN_OVER = 0x8e;

export function ingestFilters(
  o: Pick<MqttIngestOptions, "group" | "fleet" | "protocolVersion" | "shared">,
) {
  const shared = o.protocolVersion === 5 && o.shared === true;
  return INGEST_KINDS.map((k) => {
    const f = hostFilter(k, o.fleet);
    return shared ? `$share/${o.group}/${f}` : f;
  });
}

export class MqttIngest {
  private readonly clients: MqttClient[] = [];
  /** Set while stop()/kill() close the connections: those closes are ours. */
  private closing = false;
  private sessionLosses = 0;
  /** Messages each worker connection received (how a shared subscription split the load). */
  readonly perWorker: number[] = [];

  constructor(
    private readonly pipeline: IngestPipeline,
    private readonly metrics: FleetMetrics,
    private readonly opts: MqttIngestOptions,
  ) {
    if (opts.workers > 1 && (opts.protocolVersion !== 5 || opts.shared !== true)) {
      throw new FleetError("several ingest workers need an MQTT 5 broker");
    }
  }

  /** Connects every worker; resolves when all have subscribed (or rejects on the first error). */
  async start(): Promise<void> {
    const ready: Promise<void>[] = [];
    for (let i = 0; i < this.opts.workers; i++) ready.push(this.connect(i));
    await Promise.all(ready);
  }

  private connect(i: number): Promise<void> {
    const o = this.opts;
    const options: IClientOptions = {
      clientId: serviceClientIds(o.url, o.group).ingest(i),
      clean: false,
      protocolVersion: o.protocolVersion,
      reconnectPeriod: 500,
      connectTimeout: 10_000,
      // Subscriptions live in the broker session; re-subscribing would replay retained status.
      resubscribe: false,
      ...(o.protocolVersion === 5
        ? { properties: { sessionExpiryInterval: SESSION_EXPIRY_S } }
        : {}),
    };
    const client = mqtt.connect(o.url, options);
    this.clients.push(client);
    this.perWorker[i] = 0;
    deferPubacks(client, (topic, payload, ack) => {
      this.perWorker[i]++;
      this.pipeline.accept(topic, payload, ack);
    });
    const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
    let up = false;
    client.on("close", () => {
      if (up) this.metrics.connected.dec();
      up = false;
    });
    let everUp = false;
    client.on("connect", () => {
      everUp = true;
    });
    // Whoever takes the ingest session receives (and may ack) what was meant for the store:
    // never silent. An MQTT 5 broker may say so (DISCONNECT 0x8E); mosquitto 2.0 just closes
    // the socket, which looks like a broker restart, so every close the service did not ask
    // for is counted and logged with both causes named.
    let takenOver = false;
    let failed = false;
    client.on("disconnect", (packet) => {
      if (packet.reasonCode === SESSION_TAKEN_OVER) takenOver = true;
    });
    client.on("error", () => {
      failed = true;
    });
    client.on("connect", () => {
      takenOver = false;
      failed = false;
    });
    client.on("close", () => {
      if (this.closing || !everUp || (failed && !takenOver)) return;
      const reason = takenOver ? "takenOver" : "closedByBroker";
      this.metrics.sessionLost.inc({ worker: String(i), reason });
      this.sessionLosses++;
      if (this.sessionLosses <= 5 || this.sessionLosses % 100 === 0) {
        log(
          `ingest worker ${i}: ALARM: session ${options.clientId} ${
            takenOver ? "taken over by another connection" : "closed by the broker"
          } (a client using the service's client id, a second service in group ${o.group}, ` +
            `or a broker restart; #${this.sessionLosses}); reconnecting`,
        );
      }
    });
    // Before the first connection the error ends start() in one line; after it, log each.
    client.on("error", (e) => {
      if (everUp) log(`ingest worker ${i}: ${e.message}`);
    });
    return new Promise((resolve, reject) => {
      let first = true;
      client.on("connect", (connack) => {
        up = true;
        this.metrics.connected.inc();
        // MQTT 5: subscribe on every connect (brokers differ in restoring shared subscriptions
        // from persistence; retained messages are never sent to shared subscriptions).
        // MQTT 3.1.1: only into a new session, or retained status would be replayed each time.
        const subscribe =
          connack.sessionPresent && o.protocolVersion !== 5
            ? Promise.resolve()
            : client.subscribeAsync(ingestFilters(o), { qos: 1 }).then((granted) => {
                const bad = granted.find((g) => g.qos !== 1);
                if (bad)
                  throw new Error(`broker refused subscription ${bad.topic} (code ${bad.qos})`);
              });
        subscribe.then(
          () => {
            if (first) resolve();
            first = false;
          },
          (e: Error) => {
            log(`ingest worker ${i}: ${e.message}`);
            if (first) reject(e);
            first = false;
          },
        );
      });
      client.once("error", (e) => {
        if (first) {
          first = false;
          reject(new FleetError(`cannot connect to MQTT broker ${o.url}: ${e.message}`));
        }
      });
    });
  }

  /** Stops receiving, waits for what was accepted to be stored and acked, then disconnects. */
  async stop(): Promise<void> {
    await this.pipeline.drain();
    this.closing = true;
    await Promise.all(this.clients.map((c) => c.endAsync()));
    this.clients.length = 0;
  }

  /** Drops the connections without draining (crash-like): unacked messages stay with the broker. */
  async kill(): Promise<void> {
    this.closing = true;
    this.pipeline.abandon();
    await Promise.all(this.clients.map((c) => c.endAsync(true)));
    this.clients.length = 0;
  }
}
