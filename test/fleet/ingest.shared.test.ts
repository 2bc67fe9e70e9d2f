/**
 * Several ingest workers in one MQTT 5 shared subscription on a real mosquitto: the broker
 * splits the stream among them and every detection is stored exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FleetService } from "../../host/fleet/service";
import { createPostgresDb, type TestDb } from "./databases";
import { bearer, testDevice, waitFor } from "./devices";
import { serviceUser, startMosquitto, type TestBroker } from "./mosquitto";

describe("shared-subscription ingest workers", () => {
  let broker: TestBroker;
  let db: TestDb;
  let service: FleetService;
  beforeAll(async () => {
    broker = await startMosquitto(["w1", "w2", "w3"]);
    db = await createPostgresDb();
    service = new FleetService({
      ...db.opts,
      mqttUrl: broker.urlFor(serviceUser),
      httpPort: 0,
      workers: 3,
      log: () => {},
    });
    await service.start();
  });
  afterAll(async () => {
    await service?.stop();
    await broker?.stop();
    await db?.drop();
  });

  it("splits the load among workers and stores each detection once", async () => {
    const devs = ["w1", "w2", "w3"].map((d) =>
      testDevice(broker.url, "plant", d, broker.creds.get(d)),
    );
    try {
      await waitFor(
        "online",
        async () => devs.every((d) => d.link.stats().online),
        (x) => x,
      );
      for (let i = 0; i < 60; i++)
        for (const d of devs) d.link.detection({ keyword: "go", score: 0.9 });
      const summary = () =>
        fetch(service.urls?.summary ?? "", bearer(service.apiToken)).then(
          (r) => r.json() as Promise<{ detections: number; duplicates: number }>,
        );
      const s = await waitFor("stored", summary, (x) => x.detections >= 180);
      expect(s).toMatchObject({ detections: 180, duplicates: 0 });
      const split = service.perWorker;
      expect(split).toHaveLength(3);
      expect(split.filter((n) => n > 0).length).toBeGreaterThan(1);
    } finally {
      await Promise.all(devs.map((d) => d.close()));
    }
  });
});
