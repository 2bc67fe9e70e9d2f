/**
 * Staged rollouts end to end on the embedded broker and PostgreSQL: real device links with the
 * real OTA updater and command gate, scripted detections (true or false by construction), the
 * service's verifier and rollout manager. One fleet goes through:
 *   1. a worse model (low default threshold) to the canary: rolled back on its own, the canary
 *      devices go back to their previous slot; the host's figures match the scripted truth;
 *   2. a model the devices cannot run: every canary device reports it, keeps its model, and the
 *      rollout is rolled back;
 *   3. a good model, with the service restarted while the canary runs: the new service resumes
 *      the rollout and promotes it to every device.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCredentials } from "../../host/fleet/broker/credentials";
import { signedCommandHex } from "../../host/fleet/commands/client";
import { FleetService } from "../../host/fleet/service";
import { startVirtualDevice, type VirtualDevice } from "../../host/fleet/sim/device";
import { keygen } from "../../host/ota/keys";
import { buildPublishRequest } from "../../host/ota/publish";
import { createPostgresDb, type TestDb } from "./databases";
import { bearer, waitFor } from "./devices";
import { MODEL_ID, modelFile, ScriptedDetector, verifier } from "./field-fixtures";
import { freePort } from "./mosquitto";

const run = promisify(execFile);
const FLEET = "plant";
const IDS = ["d0", "d1", "d2", "d3"];

interface RolloutJson {
  id: number;
  state: string;
  reason: string;
  canary: string[];
  control: string[];
  figures: {
    canary: { fa_per_hour_estimate: number | null; detections: number; device_hours: number };
    control: { fa_per_hour_estimate: number | null; detections: number };
  };
}

describe("staged rollout (embedded broker, PostgreSQL, real device links)", () => {
  const dir = mkdtempSync(join(tmpdir(), "earshot-rollout-"));
  const keys = keygen(join(dir, "keys"));
  const publicKey = new Uint8Array(Buffer.from(keys.publicKeyHex, "hex"));
  const passwords = generateCredentials(IDS);
  const fleets = new Map(IDS.map((id) => [id, FLEET]));
  let db: TestDb;
  let service: FleetService;
  let port: number;
  let httpPort: number;
  const detectors = new Map<string, ScriptedDetector>();
  const devices: VirtualDevice[] = [];

  const startService = async () => {
    service = new FleetService({
      ...db.opts,
      embeddedBrokerPort: port,
      httpPort,
      credentials: passwords,
      deviceFleets: fleets,
      otaPublicKeys: [publicKey],
      verifier,
      rolloutEveryMs: 200,
      log: process.env.FIELD_DEBUG ? (l) => process.stderr.write(`${l}\n`) : () => {},
    });
    await service.start();
  };
  const api = async <T>(path: string): Promise<T> =>
    (await (
      await fetch(`http://127.0.0.1:${httpPort}${path}`, bearer(service.apiToken))
    ).json()) as T;
  const rollouts = () => api<RolloutJson[]>("/api/ota/rollouts");
  /** Starts a rollout through the HTTP API, as `ota rollout --no-wait` does. */
  const begin = async (file: string, version: number, maxFa: number, minHours: number) => {
    const publish = buildPublishRequest({
      model: file,
      fleet: FLEET,
      version,
      key: keys.privateKey,
      service: "",
      chunkSize: 512,
    });
    const revert = signedCommandHex(
      { op: "revert", modelId: MODEL_ID, version },
      FLEET,
      keys.privateKey,
    );
    const res = await fetch(`http://127.0.0.1:${httpPort}/api/ota/rollout`, {
      method: "POST",
      headers: { authorization: `Bearer ${service.apiToken}` },
      body: JSON.stringify({
        publish,
        canaryFraction: 0.5,
        maxFaPerHour: maxFa,
        minDeviceHours: minHours,
        revert: revert.hex,
      }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as RolloutJson;
  };
  const decided = (id: number) =>
    waitFor(
      `rollout ${id} decided`,
      async () => (await rollouts()).find((r) => r.id === id),
      (r) => r !== undefined && r.state !== "canary",
      60_000,
    ) as Promise<RolloutJson>;
  const versions = () =>
    api<{ deviceId: string; modelVersion: number }[]>(`/api/devices?fleet=${FLEET}`);

  beforeAll(async () => {
    db = await createPostgresDb();
    port = await freePort();
    httpPort = await freePort();
    await startService();
    const good = modelFile(1, 0.5);
    for (const id of IDS) {
      const det = new ScriptedDetector(good, 150);
      detectors.set(id, det);
      devices.push(
        startVirtualDevice({
          url: `mqtt://127.0.0.1:${port}`,
          fleet: FLEET,
          device: id,
          password: passwords.get(id),
          model: good,
          publicKey,
          detector: det,
          telemetryEveryMs: 500,
        }),
      );
    }
    await waitFor(
      "devices registered",
      async () => (await api<{ devices: number; online: number }>("/api/summary")).online,
      (n) => n === IDS.length,
    );
  });
  afterAll(async () => {
    await Promise.all(devices.map((d) => d.close()));
    await service?.stop();
    await db?.drop();
  });

  it("rolls a worse model back from the canary on its own, with figures matching the truth", async () => {
    const bad = join(dir, "bad.esm");
    writeFileSync(bad, modelFile(2, 0.1));
    // As a user runs it: the CLI picks the version, signs, starts, and waits for the decision.
    const { stdout } = await run(
      process.execPath,
      [
        ...["bin/earshot.js", "ota", "rollout", "--model", bad, "--fleet", FLEET],
        ...["--key", keys.privateKey, "--canary-fraction", "0.5", "--max-fa-per-hour", "2"],
        ...["--min-device-hours", "0.001", "--chunk-size", "512", "--json"],
        ...["--service", `http://127.0.0.1:${httpPort}`],
      ],
      { env: { ...process.env, EARSHOT_TOKEN: service.apiToken }, timeout: 120_000 },
    );
    const r = JSON.parse(stdout) as RolloutJson;
    expect(r.canary).toHaveLength(2);
    expect(r.state).toBe("rolled-back");
    expect(r.reason).toMatch(/canary FA\/hour estimate [\d.]+ > max 2/);
    // Every canary detection on v2 was false (scripted), every control one true: the host's
    // estimate says the same (the verifier re-scored the windows the devices sent).
    expect(r.figures.canary.detections).toBeGreaterThan(0);
    expect(r.figures.canary.fa_per_hour_estimate).toBeCloseTo(
      r.figures.canary.detections / r.figures.canary.device_hours,
      6,
    );
    expect(r.figures.control.fa_per_hour_estimate).toBe(0);
    // The truth when the figures were taken: at least what the host counted, all false.
    const truth = r.canary.map((id) => detectors.get(id)?.sent.get(2)?.falseAccepts ?? 0);
    expect(truth.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(r.figures.canary.detections);
    // The canary went back to v1 (the A/B slot it left), the control never left it.
    await waitFor(
      "canary reverted",
      async () => IDS.map((id) => detectors.get(id)?.runningVersion),
      (v) => v.every((x) => x === 1),
    );
    expect(devices.map((d) => d.reverts)).toEqual(IDS.map((id) => (r.canary.includes(id) ? 1 : 0)));
    const st =
      await api<{ rollout?: number; state: string; outcomes: Record<string, number> }[]>(
        "/api/ota/status",
      );
    const row = st.find((x) => x.rollout === r.id);
    expect(row?.state).toBe("rolled-back");
    await waitFor(
      "reverts reported",
      async () =>
        (
          await api<{ rollout?: number; outcomes: Record<string, number> }[]>("/api/ota/status")
        ).find((x) => x.rollout === r.id)?.outcomes,
      (o) => o?.reverted === 2,
    );
    expect((await versions()).map((d) => d.modelVersion)).toEqual([1, 1, 1, 1]);
  });

  it("rolls back when no canary device can activate the model; they keep theirs", async () => {
    const broken = join(dir, "broken.esm");
    writeFileSync(broken, modelFile(3, 0.5, 5)); // 5 input frames: these devices have 9
    const r = await decided((await begin(broken, 3, 2, 0.001)).id);
    expect(r.state).toBe("rolled-back");
    expect(r.reason).toMatch(/no canary device activated v3.*badModel=2.*kept their model/);
    expect(IDS.map((id) => detectors.get(id)?.runningVersion)).toEqual([1, 1, 1, 1]);
  });

  it("resumes a rollout after a service restart and promotes a good model", async () => {
    const good = join(dir, "good.esm");
    writeFileSync(good, modelFile(4, 0.6));
    const started = await begin(good, 4, 2, 0.006);
    await waitFor(
      "canary activated",
      async () => [
        started.canary.map((id) => detectors.get(id)?.runningVersion),
        await api("/api/ota/status"),
      ],
      (v) => (v[0] as number[]).every((x) => x === 4),
      30_000,
    );
    // Stopped mid-canary: the decision below is the restarted service's.
    expect((await rollouts()).find((x) => x.id === started.id)?.state).toBe("canary");
    await service.stop();
    const restarted = new Date().toISOString();
    await startService();
    const r = (await decided(started.id)) as RolloutJson & { decidedAt: string };
    expect(r.decidedAt > restarted).toBe(true);
    expect(r.state).toBe("promoted");
    expect(r.reason).toMatch(/canary FA\/hour estimate 0\.00 <= max 2/);
    await waitFor(
      "whole fleet on v4",
      async () => IDS.map((id) => detectors.get(id)?.runningVersion),
      (v) => v.every((x) => x === 4),
      30_000,
    );
    // `earshot ota status --json` shows every rollout with its state and why.
    const { stdout } = await run(
      process.execPath,
      ["bin/earshot.js", "ota", "status", "--json", "--service", `http://127.0.0.1:${httpPort}`],
      { env: { ...process.env, EARSHOT_TOKEN: service.apiToken } },
    );
    const states = (JSON.parse(stdout) as { rollout?: number; state: string; reason: string }[])
      .filter((x) => x.rollout !== undefined)
      .map((x) => x.state);
    expect(states).toEqual(["promoted", "rolled-back", "rolled-back"]);
  });
});
