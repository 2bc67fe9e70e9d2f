/**
 * Ingest against a real mosquitto (per-device passwords + ACL) and both stores: a detection
 * stream survives a broker restart and a service crash/restart complete and without duplicates,
 * redeliveries are counted, and forged publishes never reach the store.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serviceClientIds } from "../../host/fleet/ingest/client-ids";
import { FleetService } from "../../host/fleet/service";
import { encodeForTopic } from "../../protocol/host";
import { deviceTopic, fleetTopic } from "../../protocol/topics";
import { createDb, STORE_KINDS, type TestDb } from "./databases";
import { bearer, testDevice, waitFor } from "./devices";
import { serviceUser, startMosquitto, type TestBroker } from "./mosquitto";
import { det } from "./samples";

const FLEET = "plant";
const DEVICES = ["d1", "d2", "d3"];
const PER_PHASE = 40;

describe.each(STORE_KINDS)("ingest through mosquitto restarts: %s", (kind) => {
  let broker: TestBroker;
  let db: TestDb;
  let service: FleetService;
  const logs: string[] = [];

  const startService = async () => {
    service = new FleetService({
      ...db.opts,
      mqttUrl: broker.urlFor(serviceUser),
      httpPort: 0,
      workers: 1,
      group: `ingest-${kind}`,
      log: (l) => logs.push(l),
    });
    return service.start();
  };
  const summary = async () => {
    const r = await fetch(service.urls?.summary ?? "", bearer(service.apiToken));
    return (await r.json()) as { detections: number; duplicates: number; devices: number };
  };

  beforeAll(async () => {
    broker = await startMosquitto([...DEVICES, "intruder"]);
    db = await createDb(kind, join(mkdtempSync(join(tmpdir(), "earshot-ingest-")), "db"));
    await startService();
  });
  afterAll(async () => {
    await service?.stop();
    await broker?.stop();
    await db?.drop();
  });

  it("stores every detection exactly once across a broker restart and a service crash", async () => {
    const devs = DEVICES.map((d) => testDevice(broker.url, FLEET, d, broker.creds.get(d)));
    const send = () => {
      for (let i = 0; i < PER_PHASE; i++)
        for (const d of devs) d.link.detection({ keyword: "yes", score: 0.9 });
    };
    try {
      await waitFor(
        "devices online",
        async () => devs.every((d) => d.link.stats().online),
        (x) => x,
      );
      send();
      await broker.restart(); // mid-stream: some publishes are in flight, the rest buffered
      send();
      await waitFor(
        "phase 2 stored",
        summary,
        (s) => s.detections >= 2 * PER_PHASE * DEVICES.length,
      );

      await service.kill(); // crash: nothing acked after this point, sessions stay in the broker
      send();
      await waitFor(
        "devices drained",
        async () => devs.every((d) => d.link.stats().buffered === 0),
        (x) => x,
      );
      await startService();
      const total = 3 * PER_PHASE * DEVICES.length;
      const s = await waitFor("all stored", summary, (x) => x.detections >= total);
      expect(s.detections).toBe(total);
      expect(s.devices).toBe(DEVICES.length);
      for (const d of DEVICES) {
        const r = await fetch(
          `${service.urls?.http}/api/detections?device=${d}&limit=100000`,
          bearer(service.apiToken),
        );
        const seqs = ((await r.json()) as { seq: number }[])
          .map((x) => x.seq)
          .sort((a, b) => a - b);
        expect(seqs).toEqual(Array.from({ length: 3 * PER_PHASE }, (_, i) => i + 1));
      }
    } finally {
      await Promise.all(devs.map((d) => d.close()));
    }
  });

  it("counts a redelivered (device, seq) as a duplicate and stores it once", async () => {
    const before = await summary();
    const c = await mqtt.connectAsync(broker.urlFor("d1"), { clientId: "d1-replay" });
    const payload = encodeForTopic("det", det(5));
    await c.publishAsync(deviceTopic(FLEET, "d1", "det"), payload, { qos: 1 });
    await c.publishAsync(deviceTopic(FLEET, "d1", "det"), payload, { qos: 1 });
    await c.endAsync();
    const s = await waitFor(
      "duplicates counted",
      summary,
      (x) => x.duplicates >= before.duplicates + 2,
    );
    expect(s.duplicates).toBe(before.duplicates + 2);
    expect(s.detections).toBe(before.detections);
  });

  it("counts an undecodable payload without storing it or stopping ingest", async () => {
    const before = await summary();
    const c = await mqtt.connectAsync(broker.urlFor("d2"), { clientId: "d2-bad" });
    await c.publishAsync(deviceTopic(FLEET, "d2", "det"), Buffer.from([1, 1, 0xff, 0xff]), {
      qos: 1,
    });
    await c.publishAsync(deviceTopic(FLEET, "d2", "det"), encodeForTopic("det", det(9999)), {
      qos: 1,
    });
    await c.endAsync();
    const s = await waitFor("good one stored", summary, (x) => x.detections > before.detections);
    expect(s.detections).toBe(before.detections + 1);
    expect((s as unknown as { rejected: number }).rejected).toBe(1);
    expect(logs.some((l) => l.includes("rejected message on earshot/v1/plant/d2/det"))).toBe(true);
  });

  it("a device reads neither another fleet's _all topics nor another device's (ACL)", async () => {
    const svc = await mqtt.connectAsync(broker.urlFor(serviceUser), { clientId: "offerer" });
    const heard: string[] = [];
    const nosy = await mqtt.connectAsync(broker.urlFor("intruder"), { clientId: "nosy" });
    nosy.on("message", (t) => heard.push(t));
    for (const f of [
      fleetTopic("otherfleet", "ota/offer"),
      fleetTopic("otherfleet", "cmd"),
      deviceTopic(FLEET, "d1", "cmd"),
      fleetTopic(FLEET, "cmd"), // its own fleet's: allowed, shows the subscriber is live
    ])
      await nosy.subscribeAsync(f, { qos: 1 });
    await svc.publishAsync(fleetTopic("otherfleet", "ota/offer"), Buffer.from([1, 6, 0]), {
      qos: 1,
      retain: true,
    });
    await svc.publishAsync(fleetTopic("otherfleet", "cmd"), Buffer.from([1, 5, 0]), { qos: 1 });
    await svc.publishAsync(deviceTopic(FLEET, "d1", "cmd"), Buffer.from([1, 5, 0]), { qos: 1 });
    await svc.publishAsync(fleetTopic(FLEET, "cmd"), Buffer.from([1, 5, 0]), { qos: 1 });
    await waitFor(
      "own fleet's command heard",
      async () => heard.slice(),
      (h) => h.length > 0,
    );
    await svc.publishAsync(fleetTopic("otherfleet", "ota/offer"), Buffer.alloc(0), {
      qos: 1,
      retain: true,
    });
    await Promise.all([svc.endAsync(), nosy.endAsync()]);
    expect(heard).toEqual([fleetTopic(FLEET, "cmd")]);
  });

  it("drops a device's publishes as another device and on OTA topics (ACL)", async () => {
    const spy = await mqtt.connectAsync(broker.urlFor(serviceUser), { clientId: "spy" });
    const seen: string[] = [];
    spy.on("message", (t, _p, packet) => {
      if (!packet.retain) seen.push(t);
    });
    await spy.subscribeAsync("earshot/#", { qos: 1 });
    const bad = await mqtt.connectAsync(broker.urlFor("intruder"), { clientId: "intruder" });
    const forged = encodeForTopic("det", det(777_777));
    await bad.publishAsync(deviceTopic(FLEET, "d1", "det"), forged, { qos: 1 });
    await bad.publishAsync(fleetTopic(FLEET, "ota/offer"), Buffer.from([1, 6, 0]), { qos: 1 });
    await bad.publishAsync(deviceTopic(FLEET, "d1", "ota/chunk"), Buffer.from([1, 7, 0]), {
      qos: 1,
    });
    await bad.publishAsync(deviceTopic(FLEET, "intruder", "ota/offer"), Buffer.from([1, 6, 0]), {
      qos: 1,
    });
    // Under another fleet id (its device row would move there) (issue 17 item 7).
    await bad.publishAsync(deviceTopic("otherfleet", "intruder", "det"), forged, { qos: 1 });
    // Its own topic works, so the spy and the connection are live.
    await bad.publishAsync(deviceTopic(FLEET, "intruder", "det"), encodeForTopic("det", det(1)), {
      qos: 1,
    });
    await bad.endAsync();
    await waitFor(
      "own detection seen",
      async () => seen.slice(),
      (x) => x.includes(deviceTopic(FLEET, "intruder", "det")),
    );
    await waitFor(
      "own detection stored",
      async () => {
        const r = await fetch(
          `${service.urls?.http}/api/detections?device=intruder`,
          bearer(service.apiToken),
        );
        return (await r.json()) as unknown[];
      },
      (x) => x.length === 1,
    );
    await spy.endAsync();
    expect(seen).toEqual([deviceTopic(FLEET, "intruder", "det")]);
    const r = await fetch(
      `${service.urls?.http}/api/detections?device=d1&limit=100000`,
      bearer(service.apiToken),
    );
    const seqs = ((await r.json()) as { seq: number }[]).map((x) => x.seq);
    expect(seqs).not.toContain(777_777);
  });

  it("a device cannot take the ingest session: its client id is not guessable", async () => {
    const before = logs.length;
    const total = (await summary()).detections;
    // The id a device could guess (group and worker index): a session of its own, not ingest's.
    const thief = await mqtt.connectAsync(broker.urlFor("intruder"), {
      clientId: `ingest-${kind}-0`,
      protocolVersion: 5,
      clean: false,
    });
    const c = await mqtt.connectAsync(broker.urlFor("d3"), { clientId: "d3-after-thief" });
    await c.publishAsync(deviceTopic(FLEET, "d3", "det"), encodeForTopic("det", det(900_001)), {
      qos: 1,
    });
    await c.endAsync();
    await waitFor("stored by ingest", summary, (x) => x.detections === total + 1);
    await thief.endAsync(true);
    expect(logs.slice(before).filter((l) => l.includes("ALARM"))).toEqual([]);
  });

  it("alarms when another connection takes the ingest session, and takes it back", async () => {
    const before = logs.length;
    // Someone with the service's password and its real client id (e.g. a second service).
    const ids = serviceClientIds(broker.urlFor(serviceUser), `ingest-${kind}`);
    const thief = await mqtt.connectAsync(broker.urlFor(serviceUser), {
      clientId: ids.ingest(0),
      protocolVersion: 5,
      clean: false,
      reconnectPeriod: 100, // both reconnect: they keep taking the session from each other
    });
    const alarm = await waitFor(
      "takeover logged",
      async () => logs.slice(before).find((l) => l.includes("ALARM")),
      (l) => l !== undefined,
    );
    expect(alarm).toMatch(
      /ingest worker 0: ALARM: session ingest-\w+-0-[0-9a-f]{16} closed by the broker/,
    );
    const metrics = await (
      await fetch(service.urls?.metrics ?? "", bearer(service.apiToken))
    ).text();
    expect(metrics).toMatch(
      /earshot_ingest_session_lost_total\{worker="0",reason="closedByBroker"\} [1-9]/,
    );
    await thief.endAsync(true).catch(() => {});
  });
});
