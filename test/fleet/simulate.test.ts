/**
 * The simulator's devices run the real device link in worker threads; what they say arrives in
 * the store exactly: every scheduled keyword, once, from every device.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCredentials } from "../../host/fleet/broker/credentials";
import { FleetService } from "../../host/fleet/service";
import { demoModel } from "../../host/fleet/sim/demo-model";
import { deviceId, startSimulation } from "../../host/fleet/sim/simulate";
import { createPostgresDb, type TestDb } from "./databases";
import { bearer, waitFor } from "./devices";
import { freePort } from "./mosquitto";

describe("fleet simulate", () => {
  const creds = generateCredentials(Array.from({ length: 40 }, (_, i) => deviceId("s-", i, 40)));
  let db: TestDb;
  let service: FleetService;
  beforeAll(async () => {
    db = await createPostgresDb();
    service = new FleetService({
      ...db.opts,
      embeddedBrokerPort: await freePort(),
      credentials: creds,
      httpPort: 0,
      log: () => {},
    });
    await service.start();
  });
  afterAll(async () => {
    await service?.stop();
    await db?.drop();
  });

  it("N devices in worker threads deliver every scheduled detection exactly once", async () => {
    const url = service.urls?.mqtt.replace(/\/\/[^@]*@/, "//") ?? "";
    const sim = startSimulation({
      url,
      fleet: "sim",
      devices: 40,
      prefix: "s-",
      credentials: Object.fromEntries(creds),
      model: demoModel("kws", 1, 64),
      keywords: ["yes", "no"],
      everyMs: 300,
      durationMs: 0,
      telemetryEveryMs: 1000,
      workers: 2,
    });
    expect(await sim.connected).toBe(40);
    await new Promise((r) => setTimeout(r, 2500));
    const r = await sim.stop();
    expect(r.connected).toBe(40);
    expect(r.detections).toBeGreaterThan(40);
    expect(r.acked).toBe(r.detections);
    expect(r.dropped).toBe(0);
    const summary = () =>
      fetch(service.urls?.summary ?? "", bearer(service.apiToken)).then(
        (x) =>
          x.json() as Promise<{
            detections: number;
            devices: number;
            duplicates: number;
            telemetry: number;
          }>,
      );
    const s = await waitFor("all stored", summary, (x) => x.detections >= r.detections);
    expect(s.detections).toBe(r.detections);
    expect(s.devices).toBe(40);
    expect(s.duplicates).toBe(0);
    expect(s.telemetry).toBeGreaterThan(0);
    const rows = (await (
      await fetch(`${service.urls?.http}/api/detections?device=s-07`, bearer(service.apiToken))
    ).json()) as { seq: number; keyword: string }[];
    expect(rows.map((x) => x.seq)).toEqual(rows.map((_, i) => rows[0].seq + i));
    expect(rows.map((x) => x.keyword)).toEqual(rows.map((_, i) => (i % 2 === 0 ? "yes" : "no")));

    // A second run of the same devices (a restart): new detections, not duplicates (item 3).
    const again = startSimulation({
      url,
      fleet: "sim",
      devices: 40,
      prefix: "s-",
      credentials: Object.fromEntries(creds),
      model: demoModel("kws", 1, 64),
      keywords: ["yes", "no"],
      everyMs: 300,
      durationMs: 0,
      workers: 2,
    });
    await again.connected;
    await new Promise((r) => setTimeout(r, 1500));
    const r2 = await again.stop();
    expect(r2.acked).toBeGreaterThan(0);
    const s2 = await waitFor(
      "second run stored",
      summary,
      (x) => x.detections + x.duplicates >= r.detections + r2.acked,
    );
    expect(s2.duplicates).toBe(0);
    expect(s2.detections).toBe(r.detections + r2.acked);
  });
});
