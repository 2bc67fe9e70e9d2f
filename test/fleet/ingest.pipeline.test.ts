/**
 * The ingest pipeline without a broker (STYLE habit 8: services over in-memory transports): acks
 * only after the store commits, bad payloads counted and acked, a failing store retried without
 * acking, one bad row split out of its batch. Plus the deferred-PUBACK behaviour over a real
 * MQTT.js connection to aedes: what was not acked is redelivered to the persistent session.
 */
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCredentials } from "../../host/fleet/broker/credentials";
import { type EmbeddedBroker, startEmbeddedBroker } from "../../host/fleet/broker/embedded";
import { deferPubacks } from "../../host/fleet/ingest/deferred-acks";
import { FleetMetrics } from "../../host/fleet/ingest/metrics";
import { IngestPipeline } from "../../host/fleet/ingest/pipeline";
import type { IngestBatch, IngestResult, Store } from "../../host/fleet/store/types";
import { decode, encodeForTopic } from "../../protocol/host";
import { deviceTopic } from "../../protocol/topics";
import { freePort } from "./mosquitto";
import { det } from "./samples";

/** A Store fake that records batches; `gate` holds writes until released, `fail` throws. */
class FakeStore {
  batches: IngestBatch[] = [];
  fail: ((b: IngestBatch) => Error | undefined) | undefined;
  private release: (() => void)[] = [];
  gated = false;
  async ingest(b: IngestBatch): Promise<IngestResult> {
    if (this.gated) await new Promise<void>((r) => this.release.push(r));
    const e = this.fail?.(b);
    if (e) throw e;
    this.batches.push(b);
    return { inserted: b.detections.length, duplicates: 0 };
  }
  open() {
    this.gated = false;
    for (const r of this.release.splice(0)) r();
  }
}

const topic = deviceTopic("plant", "d1", "det");
const payload = (seq: number) => encodeForTopic("det", det(seq));

function setup() {
  const store = new FakeStore();
  const logs: string[] = [];
  const p = new IngestPipeline(store as unknown as Store, new FleetMetrics(), {
    log: (l) => logs.push(l),
    retryMs: 5,
  });
  return { store, p, logs };
}

describe("ingest pipeline", () => {
  it("acks only after the batch is stored, and batches what arrives meanwhile", async () => {
    const { store, p } = setup();
    const acked: number[] = [];
    store.gated = true;
    p.accept(topic, payload(1), () => acked.push(1));
    p.accept(topic, payload(2), () => acked.push(2));
    p.accept(topic, payload(3), () => acked.push(3));
    await new Promise((r) => setTimeout(r, 20));
    expect(acked).toEqual([]);
    store.open();
    await p.drain();
    expect(acked).toEqual([1, 2, 3]);
    // Group commit: the first write took message 1; 2 and 3 arrived meanwhile and went together.
    expect(store.batches.map((b) => b.detections.map((d) => d.det.seq))).toEqual([[1], [2, 3]]);
  });

  it("counts and acks an undecodable payload, storing nothing of it", async () => {
    const { store, p, logs } = setup();
    let acks = 0;
    p.accept(topic, Uint8Array.from([1, 1, 0xff]), () => acks++);
    p.accept("earshot/v1/plant/_all/det", payload(1), () => acks++);
    await p.drain();
    expect(acks).toBe(2);
    expect(store.batches.reduce((n, b) => n + b.rejected, 0)).toBe(2);
    expect(store.batches.every((b) => b.detections.length === 0)).toBe(true);
    expect(logs[0]).toMatch(/rejected message on earshot\/v1\/plant\/d1\/det/);
  });

  it("retries a failing store without acking, then acks once stored", async () => {
    const { store, p, logs } = setup();
    let failures = 3;
    store.fail = () => (failures-- > 0 ? new Error("connection refused") : undefined);
    let acked = false;
    p.accept(topic, payload(7), () => {
      acked = true;
    });
    await p.drain();
    expect(acked).toBe(true);
    expect(logs.filter((l) => l.includes("retrying"))).toHaveLength(3);
    expect(store.batches).toHaveLength(1);
  });

  it("splits a batch when one row is bad data and rejects only that row", async () => {
    const { store, p } = setup();
    store.fail = (b) =>
      b.detections.some((d) => d.det.keyword === "bad")
        ? Object.assign(new Error("invalid byte sequence"), { code: "22021" })
        : undefined;
    store.gated = true;
    const acks: number[] = [];
    p.accept(topic, payload(1), () => acks.push(1));
    p.accept(topic, encodeForTopic("det", det(2, { keyword: "bad" })), () => acks.push(2));
    p.accept(topic, payload(3), () => acks.push(3));
    store.open();
    await p.drain();
    expect(acks).toEqual([1, 2, 3]);
    expect(store.batches.flatMap((b) => b.detections.map((d) => d.det.seq))).toEqual([1, 3]);
  });

  it("refuses values the schema cannot hold before they reach the store", async () => {
    const { store, p } = setup();
    p.accept(topic, encodeForTopic("det", det(1, { modelVersion: 2 ** 40 })), () => {});
    await p.drain();
    expect(store.batches[0].rejected).toBe(1);
    expect(store.batches[0].detections).toHaveLength(0);
  });
});

describe("deferred PUBACK over MQTT.js (aedes)", () => {
  const creds = generateCredentials(["d1"]);
  let broker: EmbeddedBroker;
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: await freePort(), credentials: creds });
  });
  afterAll(async () => {
    await broker?.close();
  });

  it("holds back PUBACKs until acked: unacked messages are redelivered to the session", async () => {
    const opts = {
      username: "earshot-service",
      password: creds.get("earshot-service"),
      clientId: "ingest-sub",
      clean: false,
    } as const;
    const sub = await mqtt.connectAsync(broker.url, opts);
    const pending: { seq: number; ack: () => void }[] = [];
    deferPubacks(sub, (_t, p, ack) => pending.push({ seq: decode("det", p).seq, ack }));
    await sub.subscribeAsync("earshot/v1/+/+/det", { qos: 1 });
    const pub = await mqtt.connectAsync(broker.url, {
      username: "d1",
      password: creds.get("d1"),
      clientId: "d1",
    });
    for (const s of [1, 2, 3, 4]) await pub.publishAsync(topic, payload(s), { qos: 1 });
    for (let i = 0; i < 100 && pending.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    // All four were handed over although none was acknowledged: a connection is not serialized.
    expect(pending.map((x) => x.seq)).toEqual([1, 2, 3, 4]);
    pending[2].ack();
    pending[0].ack();
    await new Promise((r) => setTimeout(r, 100)); // let the two PUBACKs reach the broker
    await sub.endAsync(true); // crash before storing 2 and 4
    pending[1].ack(); // too late: this connection is gone, nothing may be sent for it

    const again = await mqtt.connectAsync(broker.url, opts);
    const redelivered: number[] = [];
    again.on("message", (_t, p) => redelivered.push(decode("det", p).seq));
    for (let i = 0; i < 100 && redelivered.length < 2; i++)
      await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    expect(redelivered.sort()).toEqual([2, 4]);
    await again.endAsync();
    await pub.endAsync();
  });
});
