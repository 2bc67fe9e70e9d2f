/**
 * Resource limits (issue 17 item 14): the largest MQTT packet either broker takes, what a device
 * may retain on the embedded broker, the HTTP body size, and the OTA chunks one device can make
 * the service send. Each abuse is tried on the real parts; a normal message afterwards shows the
 * service is still serving.
 */
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_USER } from "../../host/fleet/broker/acl";
import { generateCredentials } from "../../host/fleet/broker/credentials";
import { MAX_PACKET_BYTES } from "../../host/fleet/broker/mosquitto";
import { MAX_BODY } from "../../host/fleet/http";
import { FleetService } from "../../host/fleet/service";
import { demoModel } from "../../host/fleet/sim/demo-model";
import { encodeForTopic } from "../../protocol/host";
import { buildArtifact } from "../../protocol/ota/artifact";
import { generateSigningKeys } from "../../protocol/ota/keys";
import { deviceTopic } from "../../protocol/topics";
import { createPostgresDb, type TestDb } from "./databases";
import { bearer, waitFor } from "./devices";
import { freePort, startMosquitto, type TestBroker } from "./mosquitto";
import { det } from "./samples";

const FLEET = "plant";
const creds = generateCredentials(["big", "flood", "ok"]);
const keys = generateSigningKeys();

/** Publishes `payload` and resolves with whether the broker closed the connection for it. */
async function publishClosed(url: string, user: string, password: string, payload: Buffer) {
  const c = await mqtt.connectAsync(url, {
    username: user,
    password,
    clientId: `${user}-big`,
    reconnectPeriod: 0,
  });
  const closed = new Promise<boolean>((r) => c.once("close", () => r(true)));
  c.publish(deviceTopic(FLEET, user, "det"), payload, { qos: 1 });
  const r = await closed;
  await c.endAsync(true);
  return r;
}

describe("limits", () => {
  let db: TestDb;
  let service: FleetService;
  let url: string;
  let mosquitto: TestBroker;
  beforeAll(async () => {
    db = await createPostgresDb();
    service = new FleetService({
      ...db.opts,
      credentials: creds,
      otaPublicKeys: [keys.publicKeyRaw],
      embeddedBrokerPort: await freePort(),
      httpPort: 0,
      log: () => {},
    });
    await service.start();
    url = service.urls?.mqtt.replace(/\/\/[^@]*@/, "//") ?? "";
    mosquitto = await startMosquitto(["big"]);
  });
  afterAll(async () => {
    await service?.stop();
    await db?.drop();
    await mosquitto?.stop();
  });
  const stored = async (device: string) =>
    (
      (await (
        await fetch(
          `${service.urls?.http}/api/detections?device=${device}`,
          bearer(service.apiToken),
        )
      ).json()) as unknown[]
    ).length;

  it("both brokers close a connection whose packet exceeds the limit", async () => {
    const big = Buffer.alloc(MAX_PACKET_BYTES + 1);
    expect(await publishClosed(url, "big", creds.get("big") ?? "", big)).toBe(true);
    const m = mosquitto.creds.get("big") ?? "";
    expect(await publishClosed(mosquitto.url, "big", m, big)).toBe(true);
    const ok = await mqtt.connectAsync(url, {
      username: "ok",
      password: creds.get("ok"),
      clientId: "ok",
    });
    await ok.publishAsync(deviceTopic(FLEET, "ok", "det"), encodeForTopic("det", det(1)), {
      qos: 1,
    });
    await ok.endAsync();
    expect(await stored("ok")).toBe(1);
    expect(await stored("big")).toBe(0);
  });

  it("a device retains nothing but its status on the embedded broker", async () => {
    const c = await mqtt.connectAsync(url, {
      username: "ok",
      password: creds.get("ok"),
      clientId: "ok-retain",
      reconnectPeriod: 0,
    });
    const closed = new Promise<void>((r) => c.once("close", () => r()));
    c.publish(deviceTopic(FLEET, "ok", "tel"), Buffer.from([1]), { qos: 1, retain: true });
    await closed;
    await c.endAsync(true);
    const spy = await mqtt.connectAsync(url, {
      username: SERVICE_USER,
      password: creds.get(SERVICE_USER),
      clientId: "earshot-service-spy",
    });
    const retained: string[] = [];
    spy.on("message", (t, _p, packet) => {
      if (packet.retain) retained.push(t);
    });
    await spy.subscribeAsync(deviceTopic(FLEET, "ok", "tel"), { qos: 1 });
    // A round trip on the same connection: the retained message would have arrived before it.
    await spy.subscribeAsync(deviceTopic(FLEET, "ok", "status"), { qos: 1 });
    await spy.endAsync();
    expect(retained).toEqual([]);
  });

  it("refuses an HTTP body over the limit with 413", async () => {
    const r = await fetch(`${service.urls?.http}/api/ota/publish`, {
      method: "POST",
      headers: { authorization: `Bearer ${service.apiToken}` },
      body: "x".repeat(MAX_BODY + 1),
    });
    expect(r.status).toBe(413);
  });

  it("sends one device a bounded number of OTA chunks however much it asks", async () => {
    const model = demoModel("kws", 2, 100_000);
    const a = buildArtifact(
      model,
      {
        modelId: "kws",
        fleet: FLEET,
        version: 2,
        minRuntime: "0.1.0",
        threshold: 0.5,
        smoothing: 1,
        chunkSize: 1024,
      },
      keys.privateKeyPem,
    );
    const pub = await fetch(`${service.urls?.http}/api/ota/publish`, {
      method: "POST",
      headers: { authorization: `Bearer ${service.apiToken}` },
      body: JSON.stringify({
        fleet: FLEET,
        devices: ["nobody"],
        manifest: Buffer.from(a.manifestBytes).toString("hex"),
        signature: Buffer.from(a.signature).toString("hex"),
        model: Buffer.from(model).toString("base64"),
      }),
    });
    expect(pub.status).toBe(200);
    const c = await mqtt.connectAsync(url, {
      username: "flood",
      password: creds.get("flood"),
      clientId: "flood",
    });
    let chunks = 0;
    c.on("message", () => chunks++);
    await c.subscribeAsync(deviceTopic(FLEET, "flood", "ota/chunk"), { qos: 1 });
    const t0 = performance.now();
    const missing = Array.from({ length: 64 }, (_, i) => i);
    const REQUESTS = 50;
    for (let i = 0; i < REQUESTS; i++) {
      const req = { modelId: "kws", version: 2, received: 0, missing };
      await c.publishAsync(deviceTopic(FLEET, "flood", "ota/req"), encodeForTopic("ota/req", req), {
        qos: 1,
      });
    }
    await waitFor(
      "the burst arrived",
      async () => chunks,
      (n) => n >= 256,
    );
    const seconds = (performance.now() - t0) / 1000;
    await c.endAsync();
    // 3,200 chunks asked; the budget is a 256-chunk burst plus 64 per second.
    expect(chunks).toBeLessThanOrEqual(256 + 64 * Math.ceil(seconds + 1));
    expect(chunks).toBeLessThan(REQUESTS * 64);
  });
});
