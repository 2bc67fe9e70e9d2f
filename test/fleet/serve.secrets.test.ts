/**
 * The service's broker password never sits in argv (issue 17 item 8): `fleet serve` takes it
 * from --mqtt-password-file (or EARSHOT_MQTT_PASSWORD), refuses a URL that carries one, and its
 * command line, as `ps` shows it, holds no secret while it serves a real mosquitto.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newApiToken } from "../../host/fleet/api-token";
import { encodeForTopic } from "../../protocol/host";
import { deviceTopic } from "../../protocol/topics";
import { createPostgresDb, type TestDb } from "./databases";
import { bearer, waitFor } from "./devices";
import { freePort, serviceUser, startMosquitto, type TestBroker } from "./mosquitto";
import { det } from "./samples";

const TOKEN = newApiToken();

describe("fleet serve: the broker password stays out of argv", () => {
  let broker: TestBroker;
  let db: TestDb;
  const dir = mkdtempSync(join(tmpdir(), "earshot-secrets-"));
  beforeAll(async () => {
    broker = await startMosquitto(["n1"], { fleet: "home" });
    db = await createPostgresDb();
  });
  afterAll(async () => {
    await broker?.stop();
    await db?.drop();
  });

  const serve = (...args: string[]) =>
    spawn(
      process.execPath,
      ["bin/earshot.js", "fleet", "serve", "--pg", db.opts.pg ?? "", "--json", ...args],
      { env: { ...process.env, EARSHOT_API_TOKEN: TOKEN } },
    );

  it("serves with --mqtt-password-file, and ps shows no password", async () => {
    const password = broker.creds.get(serviceUser) ?? "";
    const file = join(dir, "service.password");
    writeFileSync(file, `${password}\n`, { mode: 0o600 });
    const httpPort = await freePort();
    const child = serve(
      ...["--mqtt-url", `mqtt://${serviceUser}@127.0.0.1:${broker.port}`],
      ...["--mqtt-password-file", file, "--http", String(httpPort)],
    );
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    try {
      await waitFor(
        "service up",
        async () => out,
        (s) => s.includes("\n"),
        60_000,
      );
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, "utf8");
      expect(cmdline).toContain("--mqtt-password-file");
      expect(cmdline).not.toContain(password);
      expect(out).not.toContain(password);
      const n1 = await mqtt.connectAsync(broker.urlFor("n1"), { clientId: "n1" });
      await n1.publishAsync(deviceTopic("home", "n1", "det"), encodeForTopic("det", det(1)), {
        qos: 1,
      });
      await n1.endAsync();
      await waitFor(
        "stored through the authenticated ingest session",
        async () =>
          (
            (await (
              await fetch(`http://127.0.0.1:${httpPort}/api/summary`, bearer(TOKEN))
            ).json()) as { detections: number }
          ).detections,
        (n) => n === 1,
      );
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("refuses a password inside --mqtt-url, in one line", async () => {
    const child = serve(
      ...["--mqtt-url", `mqtt://${serviceUser}:secret@127.0.0.1:${broker.port}`],
      ...["--http", "0"],
    );
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(1);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toMatch(/--mqtt-url carries a password.*--mqtt-password-file/);
  });
});
