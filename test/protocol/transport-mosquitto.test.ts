/**
 * Integration against a real mosquitto: a device (DeviceLink over MQTT.js) keeps detections in
 * its ring while the broker is down and replays them, in order, when it comes back; the host
 * side (a persistent QoS 1 session, as ingest uses) receives every one. The broker publishes the
 * last will of a vanished device, and an OTA transfer cut by a broker restart resumes from the
 * device's bitmap and activates.
 */
import { existsSync } from "node:fs";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeEd25519Verifier, NodeSha256 } from "../../device/ota/node";
import { MemorySlotStore } from "../../device/ota/slots";
import { OtaUpdater } from "../../device/ota/updater";
import { connectDevice, type MqttDevice } from "../../device/transport/mqttjs";
import { decodeTopicPayload, encodeForTopic } from "../../protocol/host";
import type { Detection, OtaReport, OtaRequest, Status } from "../../protocol/messages";
import { buildArtifact, chunksForRequest } from "../../protocol/ota/artifact";
import { generateSigningKeys } from "../../protocol/ota/keys";
import { deviceTopic, fleetTopic, hostFilter } from "../../protocol/topics";
import { MOSQUITTO, TestBroker } from "./mosquitto";

const until = async (what: string, cond: () => boolean, ms = 8000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.skipIf(!existsSync(MOSQUITTO))("device transport against mosquitto", () => {
  let broker: TestBroker;
  let host: MqttClient;
  let dev: MqttDevice;
  const seqs: number[] = [];
  const statuses: Status[] = [];
  const otaReports: OtaReport[] = [];
  let onOtaRequest: (device: string, req: OtaRequest) => void = () => {};

  beforeAll(async () => {
    broker = await TestBroker.start();
    host = mqtt.connect(broker.url, {
      clientId: "ingest-test",
      clean: false,
      reconnectPeriod: 100,
    });
    host.on("error", () => {});
    host.on("message", (topic, payload) => {
      const m = decodeTopicPayload(topic, payload);
      if (m.kind === "det") seqs.push((m.message as Detection).seq);
      if (m.kind === "status") statuses.push(m.message as Status);
      if (m.kind === "ota/report") otaReports.push(m.message as OtaReport);
      if (m.kind === "ota/req" && m.topic.target.scope === "device") {
        onOtaRequest(m.topic.target.id, m.message as OtaRequest);
      }
    });
    await new Promise<void>((resolve) => host.once("connect", () => resolve()));
    await host.subscribeAsync(
      [
        hostFilter("det", "f1"),
        hostFilter("status", "f1"),
        hostFilter("ota/req", "f1"),
        hostFilter("ota/report", "f1"),
      ],
      { qos: 1 },
    );
    dev = connectDevice({
      url: broker.url,
      fleet: "f1",
      device: "node-1",
      runtimeVersion: "0.1.0",
      model: { modelId: "kws", version: 1 },
      control: {
        setThreshold: () => undefined,
        setSmoothing: () => undefined,
        setStride: () => undefined,
        reboot: () => {},
      },
      now: () => Date.now(),
      clockSynced: true,
      firstSeq: 1000,
      ringCapacity: 64,
      reconnectPeriodMs: 100,
    });
  });

  afterAll(async () => {
    await dev?.close().catch(() => {});
    await host?.endAsync(true).catch(() => {});
    await broker?.stop();
  });

  it("replays detections buffered across a broker restart, in order, none lost", async () => {
    await until("device online", () => dev.link.stats().online);
    for (let i = 0; i < 5; i++) dev.link.detection({ keyword: "yes", score: 0.9 });
    await until("first 5 detections", () => seqs.length === 5);
    await until("acks", () => dev.link.stats().buffered === 0);
    await new Promise((r) => setTimeout(r, 100)); // let the host's PUBACKs reach the broker

    await broker.down();
    await until("device offline", () => !dev.link.stats().online);
    for (let i = 0; i < 20; i++) dev.link.detection({ keyword: "no", score: 0.8 });
    expect(dev.link.stats().buffered).toBe(20);

    await broker.up();
    await until("replay", () => seqs.length >= 25);
    await until("ring drained", () => dev.link.stats().buffered === 0);
    await new Promise((r) => setTimeout(r, 200)); // a late duplicate would show up here
    // QoS 1 is at least once: the broker may redeliver what the host had not yet acknowledged
    // when it stopped (ingest drops those by (device, seq)). First arrivals must be complete
    // and in device order.
    const firsts = seqs.filter((s, i) => seqs.indexOf(s) === i);
    expect(firsts).toEqual(Array.from({ length: 25 }, (_, i) => 1000 + i));
    expect(dev.link.stats()).toMatchObject({ dropped: 0, reconnects: 1, acked: 25 });
    expect(statuses.filter((s) => s.online).length).toBeGreaterThanOrEqual(1);
  });

  it("the broker publishes the device's last will (status offline, lost) when it vanishes", async () => {
    const crash = connectDevice({
      url: broker.url,
      fleet: "f1",
      device: "node-2",
      runtimeVersion: "0.1.0",
      model: { modelId: "kws", version: 1 },
      control: {
        setThreshold: () => undefined,
        setSmoothing: () => undefined,
        setStride: () => undefined,
        reboot: () => {},
      },
      now: () => Date.now(),
      clockSynced: true,
      firstSeq: 0,
      reconnectPeriodMs: 0,
    });
    await until("node-2 online", () => crash.link.stats().online);
    await until("online status", () => statuses.some((s) => s.online && s.timeMs > 0));
    const before = statuses.length;
    crash.client.stream.destroy(); // no DISCONNECT: the broker must send the will
    await until("last will", () => statuses.slice(before).some((s) => !s.online));
    expect(statuses.slice(before).find((s) => !s.online)).toMatchObject({
      online: false,
      reason: "lost",
      runtime: "0.1.0",
    });
    await crash.client.endAsync(true);
  });

  it("an OTA transfer cut by a broker restart resumes from the bitmap and activates", async () => {
    const keys = generateSigningKeys();
    const model = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7 + 3) % 256);
    const a = buildArtifact(
      model,
      {
        modelId: "kws",
        fleet: "f1",
        version: 2,
        minRuntime: "0.1.0",
        threshold: 0.6,
        smoothing: 3,
        chunkSize: 256,
      },
      keys.privateKeyPem,
    );
    const store = new MemorySlotStore([9, 9, 9]);
    const ota = new OtaUpdater({
      store,
      verifier: new NodeEd25519Verifier(keys.publicKeyRaw),
      sha256: new NodeSha256(),
      runtimeVersion: "0.1.0",
      fleet: "f1",
      active: { modelId: "kws", version: 1 },
      maxModelBytes: 64 * 1024,
      window: 4,
      now: () => Date.now(),
    });
    // The host answers only the first request before the "outage"; later ones get lost.
    const asked: number[][] = [];
    let answering = true;
    onOtaRequest = (device, req) => {
      asked.push(req.missing);
      if (!answering) return;
      if (asked.length === 1) answering = false;
      for (const c of chunksForRequest(a, req)) {
        host.publish(deviceTopic("f1", device, "ota/chunk"), encodeForTopic("ota/chunk", c), {
          qos: 1,
        });
      }
    };
    const node = connectDevice({
      url: broker.url,
      fleet: "f1",
      device: "node-3",
      runtimeVersion: "0.1.0",
      model: { modelId: "kws", version: 1 },
      control: {
        setThreshold: () => undefined,
        setSmoothing: () => undefined,
        setStride: () => undefined,
        reboot: () => {},
      },
      now: () => Date.now(),
      clockSynced: true,
      firstSeq: 0,
      reconnectPeriodMs: 100,
      ota,
      otaStallMs: 60_000,
    });
    try {
      await until("node-3 online", () => node.link.stats().online);
      host.publish(fleetTopic("f1", "ota/offer"), encodeForTopic("ota/offer", a.offer), {
        qos: 1,
        retain: true,
      });
      await until("first window", () => ota.progress()?.received === 4 && asked.length >= 2);
      expect(otaReports).toEqual([]);

      await broker.down();
      await until("node-3 offline", () => !node.link.stats().online);
      answering = true;
      await broker.up();
      await until(
        "activation report",
        () => otaReports.some((r) => r.outcome === "activated"),
        15_000,
      );

      expect(otaReports.filter((r) => r.version === 2)).toMatchObject([
        { outcome: "activated", activeVersion: 2 },
      ]);
      expect(store.activeBytes()).toEqual([...model]);
      expect(ota.active()).toEqual({ modelId: "kws", version: 2 });
      // After the restart nothing already held was asked for again.
      expect(
        asked
          .slice(2)
          .flat()
          .every((i) => i >= 4),
      ).toBe(true);
    } finally {
      host.publish(fleetTopic("f1", "ota/offer"), Buffer.alloc(0), { qos: 1, retain: true }); // clear retained
      await node.close();
    }
  });
});

describe("MQTT.js binding without a broker", () => {
  it("stays offline, buffers detections and reports why it cannot connect", async () => {
    const srv = (await import("node:net")).createServer();
    const port = await new Promise<number>((r) =>
      srv.listen(0, "127.0.0.1", () => r((srv.address() as { port: number }).port)),
    );
    await new Promise<void>((r) => srv.close(() => r())); // nothing listens there now
    const d = connectDevice({
      url: `mqtt://127.0.0.1:${port}`,
      fleet: "f1",
      device: "lonely",
      runtimeVersion: "0.1.0",
      model: { modelId: "kws", version: 1 },
      control: {
        setThreshold: () => undefined,
        setSmoothing: () => undefined,
        setStride: () => undefined,
        reboot: () => {},
      },
      now: () => Date.now(),
      clockSynced: true,
      firstSeq: 0,
      reconnectPeriodMs: 50,
    });
    try {
      d.link.detection({ keyword: "yes", score: 0.9 });
      await until("connection error", () => d.lastError() !== "");
      expect(d.lastError()).toMatch(/ECONNREFUSED/);
      expect(d.link.stats()).toMatchObject({ online: false, buffered: 1 });
    } finally {
      await d.close(true);
    }
  });
});
