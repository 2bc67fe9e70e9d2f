/**
 * `earshot fleet serve` as a user runs it (defaults: embedded broker, PGlite): prints its URLs,
 * answers /api/summary and /metrics, stores a device's detection, stops cleanly on SIGTERM.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import { tokenHash } from "../../host/fleet/api-token";
import { provisionCredentials, readCredentialsJson } from "../../host/fleet/broker/credentials";
import { encodeForTopic } from "../../protocol/host";
import { deviceTopic } from "../../protocol/topics";
import { bearer, waitFor } from "./devices";
import { freePort } from "./mosquitto";
import { det } from "./samples";

describe("earshot fleet serve", () => {
  it("prints its URLs, serves the API and metrics, and exits 0 on SIGTERM", async () => {
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const tmp = mkdtempSync(join(tmpdir(), "earshot-serve-"));
    const db = join(tmp, "db");
    const tokenFile = join(tmp, "secrets", "api-token");
    const credsFile = join(tmp, "secrets", "credentials.json");
    provisionCredentials(credsFile, ["n1"]);
    const child = spawn(process.execPath, [
      "bin/earshot.js",
      "fleet",
      "serve",
      "--embedded-broker",
      String(mqttPort),
      "--db",
      db,
      "--http",
      String(httpPort),
      "--api-token-file",
      tokenFile,
      "--credentials",
      credsFile,
      "--json",
    ]);
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      await waitFor(
        "URLs printed",
        async () => out,
        (s) => s.includes("\n"),
        60_000,
      );
      const urls = JSON.parse(out.trim());
      expect(urls.summary).toBe(`http://127.0.0.1:${httpPort}/api/summary`);
      // The first start creates the token file, readable by its owner only; no token, no answer.
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
      // The banner gives the dashboard and, this once, the token; the file keeps its hash only.
      expect(urls.dashboard).toBe(`http://127.0.0.1:${httpPort}/`);
      expect(urls.token).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(readFileSync(tokenFile, "utf8").trim()).toBe(`sha256:${tokenHash(urls.token)}`);
      expect(readFileSync(tokenFile, "utf8")).not.toContain(urls.token);
      const auth = bearer(urls.token);
      expect((await fetch(urls.summary)).status).toBe(401);
      expect((await fetch(urls.metrics)).status).toBe(401);
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
        username: "n1",
        password: readCredentialsJson(credsFile).get("n1"),
        clientId: "n1",
      });
      await c.publishAsync(deviceTopic("home", "n1", "det"), encodeForTopic("det", det(1)), {
        qos: 1,
      });
      await c.endAsync();
      const s = await waitFor(
        "stored",
        () =>
          fetch(urls.summary, auth).then(
            (r) => r.json() as Promise<{ detections: number; devices: number }>,
          ),
        (x) => x.detections === 1,
      );
      expect(s.devices).toBe(1);
      const metrics = await (await fetch(urls.metrics, auth)).text();
      expect(metrics).toMatch(/earshot_ingest_received_total\{kind="det"\} 1/);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
