/**
 * The embedded broker is closed like the mosquitto set-up (issue 17 item 5): every client logs
 * in with its own password, is known by that login only, and may publish and subscribe only
 * what the ACL gives it. Each attack of the issue is tried against a running service; the own
 * detection of the logged-in device shows the connection and ingest are live meanwhile.
 */

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type IClientOptions } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_USER } from "../../host/fleet/broker/acl";
import { provisionCredentials, readDeviceFleets } from "../../host/fleet/broker/credentials";
import { FleetService } from "../../host/fleet/service";
import { encodeForTopic } from "../../protocol/host";
import { deviceTopic, fleetTopic } from "../../protocol/topics";
import { createPostgresDb, type TestDb } from "./databases";
import { bearer, waitFor } from "./devices";
import { freePort } from "./mosquitto";
import { det } from "./samples";

const FLEET = "plant";
// Provisioned as `earshot fleet credentials --fleet plant` does: each device bound to its fleet.
const credsFile = join(mkdtempSync(join(tmpdir(), "earshot-auth-")), "credentials.json");
const creds = provisionCredentials(credsFile, ["d1", "d2"], FLEET);

describe("embedded broker: logins and ACL", () => {
  let db: TestDb;
  let service: FleetService;
  let url: string;
  beforeAll(async () => {
    db = await createPostgresDb();
    service = new FleetService({
      ...db.opts,
      credentials: creds,
      deviceFleets: readDeviceFleets(credsFile),
      embeddedBrokerPort: await freePort(),
      httpPort: 0,
      log: () => {},
    });
    await service.start();
    url = service.urls?.mqtt.replace(/\/\/[^@]*@/, "//") ?? "";
  });
  afterAll(async () => {
    await service?.stop();
    await db?.drop();
  });

  const refusal = (o: IClientOptions) =>
    mqtt.connectAsync(url, { reconnectPeriod: 0, ...o }).then(
      async (c) => {
        await c.endAsync(true);
        return "connected";
      },
      (e: Error) => e.message,
    );
  const stored = async (device: string) => {
    const r = await fetch(
      `${service.urls?.http}/api/detections?device=${device}&limit=1000`,
      bearer(service.apiToken),
    );
    return ((await r.json()) as { seq: number }[]).map((x) => x.seq);
  };

  it("refuses anonymous clients, missing or wrong passwords, and the service name without its password", async () => {
    for (const o of [
      { clientId: "anon" },
      { username: "d1", clientId: "d1" },
      { username: "d1", password: "guess", clientId: "d1" },
      { username: "d1", password: creds.get("d2"), clientId: "d1" },
      { username: SERVICE_USER, clientId: "x" },
      { username: SERVICE_USER, password: "guess", clientId: "x" },
      { clientId: SERVICE_USER },
    ]) {
      expect(await refusal(o)).toMatch(/Bad username or password/);
    }
  });

  it("refuses the service's client ids to a device, even with the device's password", async () => {
    for (const clientId of [
      "earshot-ingest-0",
      `earshot-ingest-ctl-${process.pid}`,
      SERVICE_USER,
    ]) {
      expect(await refusal({ username: "d1", password: creds.get("d1"), clientId })).toMatch(
        /Not authorized/,
      );
    }
  });

  it("a logged-in device publishes only its own up topics and reads nothing of others", async () => {
    const d1 = await mqtt.connectAsync(url, {
      username: "d1",
      password: creds.get("d1"),
      clientId: "d1",
    });
    const heard: string[] = [];
    d1.on("message", (t) => heard.push(t));
    // Refused (the broker closes the connection): everything, another fleet's group topic.
    for (const filter of ["#", fleetTopic("otherfleet", "ota/offer")]) {
      const nosy = await mqtt.connectAsync(url, {
        username: "d1",
        password: creds.get("d1"),
        clientId: "d1-nosy",
        reconnectPeriod: 0,
      });
      const closed = new Promise<void>((r) => nosy.once("close", () => r()));
      nosy.subscribe(filter, { qos: 1 });
      await closed;
      await nosy.endAsync(true);
    }
    await d1.subscribeAsync(fleetTopic(FLEET, "ota/offer"), { qos: 1 }); // its own fleet's: fine
    const tries: [string, Buffer, boolean?][] = [
      [deviceTopic(FLEET, "d1", "det"), encodeForTopic("det", det(777))], // as another device
      [fleetTopic(FLEET, "ota/offer"), Buffer.from([1, 6, 0]), true], // forged retained offer
      [deviceTopic(FLEET, "d1", "cmd"), Buffer.from([1, 5, 0])], // a command
      [deviceTopic("otherfleet", "d2", "det"), encodeForTopic("det", det(778))], // another fleet id
    ];
    for (const [topic, payload, retain] of tries) {
      const d2 = await mqtt.connectAsync(url, {
        username: "d2",
        password: creds.get("d2"),
        clientId: "d2",
        reconnectPeriod: 0,
      });
      // The broker refuses the publish by closing the connection (MQTT 3.1.1 has no PUBACK code).
      const closed = new Promise<void>((r) => d2.once("close", () => r()));
      d2.publish(topic, payload, { qos: 1, retain });
      await closed;
      await d2.endAsync(true);
    }
    const d2b = await mqtt.connectAsync(url, {
      username: "d2",
      password: creds.get("d2"),
      clientId: "d2-again",
    });
    await d2b.publishAsync(deviceTopic(FLEET, "d2", "det"), encodeForTopic("det", det(1)), {
      qos: 1,
    });
    await waitFor(
      "own detection stored",
      () => stored("d2"),
      (s) => s.length === 1,
    );
    expect(await stored("d1")).toEqual([]);
    expect(heard).toEqual([]);
    // No forged offer was retained: a fresh subscriber of the fleet's OTA topic gets nothing.
    const late: string[] = [];
    const svc = await mqtt.connectAsync(url, {
      username: SERVICE_USER,
      password: creds.get(SERVICE_USER),
      clientId: "earshot-service-spy",
    });
    svc.on("message", (t) => late.push(t));
    await svc.subscribeAsync(fleetTopic(FLEET, "ota/offer"), { qos: 1 });
    await svc.publishAsync(deviceTopic(FLEET, "d2", "det"), encodeForTopic("det", det(2)), {
      qos: 1,
    });
    await waitFor(
      "second detection stored",
      () => stored("d2"),
      (s) => s.length === 2,
    );
    expect(late).toEqual([]);
    expect((await stored("d2")).sort((a, b) => a - b)).toEqual([1, 2]); // no seq 778 from otherfleet
    await Promise.all([d1, d2b, svc].map((c) => c.endAsync(true)));
  });
});
