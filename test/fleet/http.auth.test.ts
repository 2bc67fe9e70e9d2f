/**
 * The HTTP API wants the bearer token on every route (issue 17 item 4): without it, or with a
 * wrong one, each route answers 401 and a publish stores nothing; with it, each answers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FleetService } from "../../host/fleet/service";
import { createPostgresDb, type TestDb } from "./databases";
import { freePort } from "./mosquitto";

const ROUTES: [string, string][] = [
  ["GET", "/"],
  ["GET", "/api/summary"],
  ["GET", "/api/devices"],
  ["GET", "/api/detections?device=d1"],
  ["GET", "/api/ota/status"],
  ["GET", "/metrics"],
  ["POST", "/api/ota/publish"],
];

describe("HTTP API authentication", () => {
  let db: TestDb;
  let service: FleetService;
  beforeAll(async () => {
    db = await createPostgresDb();
    service = new FleetService({
      ...db.opts,
      embeddedBrokerPort: await freePort(),
      httpPort: 0,
      log: () => {},
    });
    await service.start();
  });
  afterAll(async () => {
    await service?.stop();
    await db?.drop();
  });

  const call = (method: string, path: string, authorization?: string) =>
    fetch(`${service.urls?.http}${path}`, {
      method,
      headers: authorization ? { authorization } : {},
      body: method === "POST" ? JSON.stringify({ fleet: "plant" }) : undefined,
    });

  it.each(ROUTES)("%s %s: 401 without the token or with a wrong one", async (method, path) => {
    for (const auth of [
      undefined,
      "Bearer wrong-token-wrong-token",
      `Basic ${service.apiToken}`,
      `Bearer ${service.apiToken}x`,
    ]) {
      const r = await call(method, path, auth);
      expect(r.status).toBe(401);
      expect(r.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
  });

  it.each(ROUTES)("%s %s: answers with the token", async (method, path) => {
    const r = await call(method, path, `Bearer ${service.apiToken}`);
    // The publish body is deliberately incomplete: 400 shows it got past authentication.
    expect(r.status).toBe(method === "POST" ? 400 : 200);
  });

  it("an unauthenticated publish stores nothing", async () => {
    await call("POST", "/api/ota/publish");
    const r = await call("GET", "/api/ota/status", `Bearer ${service.apiToken}`);
    expect(await r.json()).toEqual([]);
  });
});
