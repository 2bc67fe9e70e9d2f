/**
 * The embedded default keeps the ack promise (issue 17 item 1): a device's QoS 1 detection is
 * acked only once its row is committed, from the first connection on. Two ways of losing acked
 * messages are tried: devices that connect while the service is still starting, and
 * `fleet serve` killed with SIGKILL mid-stream and started again on the same database.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import { newApiToken } from "../../host/fleet/api-token";
import { generateCredentials, writeCredentialsJson } from "../../host/fleet/broker/credentials";
import { FleetService } from "../../host/fleet/service";
import { encodeForTopic } from "../../protocol/host";
import { deviceTopic } from "../../protocol/topics";
import { bearer, testDevice, waitFor } from "./devices";
import { freePort } from "./mosquitto";
import { det } from "./samples";

const FLEET = "plant";
const TOKEN = newApiToken();
const NAMES = ["k0", "k1", "k2", "k3", "k4"];
const CREDS = generateCredentials(["early", ...NAMES]);

/** Connects as soon as the broker accepts connections (retrying while nothing listens). */
async function connectEarly(port: number, device: string): Promise<mqtt.MqttClient> {
  for (;;) {
    try {
      return await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        username: device,
        password: CREDS.get(device),
        clientId: device,
        reconnectPeriod: 0,
        connectTimeout: 2000,
      });
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

type Summary = { detections: number; devices: number };

describe("embedded broker: no PUBACK before the row is committed", () => {
  it("stores every detection acked while the service was still starting", async () => {
    const port = await freePort();
    const service = new FleetService({
      db: join(mkdtempSync(join(tmpdir(), "earshot-early-")), "db"), // fresh PGlite: slow start
      embeddedBrokerPort: port,
      credentials: CREDS,
      httpPort: 0,
      log: () => {},
    });
    const started = service.start();
    const c = await connectEarly(port, "early");
    const acked: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        c
          .publishAsync(deviceTopic(FLEET, "early", "det"), encodeForTopic("det", det(i + 1)), {
            qos: 1,
          })
          .then(() => acked.push(i + 1)),
      ),
    );
    await c.endAsync();
    try {
      await started;
      const r = await fetch(
        `${service.urls?.http}/api/detections?device=early&limit=1000`,
        bearer(service.apiToken),
      );
      const stored = ((await r.json()) as { seq: number }[]).map((x) => x.seq);
      expect(stored.sort((a, b) => a - b)).toEqual(acked.sort((a, b) => a - b));
      expect(acked).toHaveLength(20);
    } finally {
      await service.stop();
    }
  });

  it("loses no acked detection when `fleet serve` is killed with SIGKILL and restarted", async () => {
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const tmp = mkdtempSync(join(tmpdir(), "earshot-crash-"));
    const db = join(tmp, "db");
    const credsFile = join(tmp, "credentials.json");
    writeCredentialsJson(credsFile, CREDS);
    let child: ChildProcessWithoutNullStreams | undefined;
    const serve = async () => {
      const p = spawn(
        process.execPath,
        [
          "bin/earshot.js",
          "fleet",
          "serve",
          "--embedded-broker",
          String(mqttPort),
          "--db",
          db,
          "--http",
          String(httpPort),
          "--credentials",
          credsFile,
          "--json",
        ],
        { env: { ...process.env, EARSHOT_API_TOKEN: TOKEN } },
      );
      let out = "";
      p.stdout.on("data", (d) => {
        out += d;
      });
      child = p;
      await waitFor(
        "service up",
        async () => out,
        (s) => s.includes("\n"),
        60_000,
      );
    };
    const summary = async () =>
      (
        await fetch(`http://127.0.0.1:${httpPort}/api/summary`, bearer(TOKEN))
      ).json() as Promise<Summary>;
    const names = NAMES;
    const devs = names.map((d) =>
      testDevice(`mqtt://127.0.0.1:${mqttPort}`, FLEET, d, CREDS.get(d)),
    );
    const send = (n: number) => {
      for (let i = 0; i < n; i++)
        for (const d of devs) d.link.detection({ keyword: "yes", score: 1 });
    };
    const PER_PHASE = 30;
    try {
      await serve();
      await waitFor(
        "devices online",
        async () => devs.every((d) => d.link.stats().online),
        Boolean,
      );
      send(PER_PHASE);
      // Mid-stream: some detections are committed and acked, some in flight, some buffered.
      await waitFor(
        "some acked",
        async () => devs[0].link.stats().acked,
        (n) => n > 0,
      );
      child?.kill("SIGKILL");
      send(PER_PHASE); // while the service is down: buffered on the devices
      await serve(); // the devices reconnect and resend at the first moment the broker accepts
      await waitFor(
        "devices drained",
        async () => devs.every((d) => d.link.stats().buffered === 0),
        Boolean,
        60_000,
      );
      const acked = devs.reduce((n, d) => n + d.link.stats().acked, 0);
      expect(acked).toBe(2 * PER_PHASE * names.length);
      const s = await summary();
      expect(s.detections).toBe(acked);
      for (const d of names) {
        const r = await fetch(
          `http://127.0.0.1:${httpPort}/api/detections?device=${d}&limit=1000`,
          bearer(TOKEN),
        );
        const seqs = ((await r.json()) as { seq: number }[])
          .map((x) => x.seq)
          .sort((a, b) => a - b);
        expect(seqs).toEqual(Array.from({ length: 2 * PER_PHASE }, (_, i) => i + 1));
      }
    } finally {
      await Promise.all(devs.map((d) => d.close(true)));
      child?.kill("SIGKILL");
    }
  });
});
