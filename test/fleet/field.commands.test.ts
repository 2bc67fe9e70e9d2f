/**
 * Signed commands and remote calibration on the embedded broker with a real device link and
 * command gate: `earshot fleet cmd` (signed with the OTA key, bound to the fleet, sequence
 * numbered) is applied and acked; unsigned, forged, replayed and other-fleet commands are refused
 * by the device, which says why in its ack; the service refuses to relay what it cannot verify.
 * `earshot fleet calibrate` raises a device's threshold above its false accepts' scores.
 */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_USER } from "../../host/fleet/broker/acl";
import { generateCredentials } from "../../host/fleet/broker/credentials";
import { signedCommandHex } from "../../host/fleet/commands/client";
import { FleetService } from "../../host/fleet/service";
import { startVirtualDevice, type VirtualDevice } from "../../host/fleet/sim/device";
import { keygen } from "../../host/ota/keys";
import { decodeTopicPayload } from "../../protocol/host";
import type { CommandAck } from "../../protocol/messages";
import { deviceTopic, hostFilter } from "../../protocol/topics";
import { waitFor } from "./devices";
import { FALSE_SCORE, modelFile, ScriptedDetector, verifier } from "./field-fixtures";
import { freePort } from "./mosquitto";

const run = promisify(execFile);
const FLEET = "home";

describe("signed commands and calibration", () => {
  const dir = mkdtempSync(join(tmpdir(), "earshot-cmd-"));
  const keys = keygen(join(dir, "keys"));
  const rogue = keygen(join(dir, "rogue"));
  const passwords = generateCredentials(["c0", "c1"]);
  let service: FleetService;
  let http = "";
  let port = 0;
  const dets = [
    new ScriptedDetector(modelFile(1, 0.5), 100_000),
    new ScriptedDetector(modelFile(1, 0.1), 100),
  ];
  let devices: VirtualDevice[] = [];
  let svc: mqtt.MqttClient;
  const acks: { device: string; ack: CommandAck }[] = [];
  const cli = (...args: string[]) =>
    run(
      process.execPath,
      ["bin/earshot.js", ...args, "--service", http, "--key", keys.privateKey],
      {
        env: { ...process.env, EARSHOT_TOKEN: service.apiToken },
        timeout: 60_000,
      },
    );

  beforeAll(async () => {
    port = await freePort();
    service = new FleetService({
      embeddedBrokerPort: port,
      httpPort: 0,
      credentials: passwords,
      deviceFleets: new Map([
        ["c0", FLEET],
        ["c1", FLEET],
      ]),
      otaPublicKeys: [new Uint8Array(Buffer.from(keys.publicKeyHex, "hex"))],
      verifier,
      log: () => {},
    });
    http = (await service.start()).http;
    devices = ["c0", "c1"].map((id, i) =>
      startVirtualDevice({
        url: `mqtt://127.0.0.1:${port}`,
        fleet: FLEET,
        device: id,
        password: passwords.get(id),
        model: modelFile(1, i === 0 ? 0.5 : 0.1),
        publicKey: new Uint8Array(Buffer.from(keys.publicKeyHex, "hex")),
        detector: dets[i],
        telemetryEveryMs: 300,
      }),
    );
    svc = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      username: SERVICE_USER,
      password: passwords.get(SERVICE_USER),
    });
    svc.on("message", (topic, payload) => {
      const m = decodeTopicPayload(topic, payload);
      if (m.kind === "ack" && m.topic.target.scope === "device")
        acks.push({ device: m.topic.target.id, ack: m.message });
    });
    await svc.subscribeAsync(hostFilter("ack", FLEET), { qos: 1 });
    await waitFor(
      "devices online",
      async () => devices.every((d) => d.mqtt.link.stats().online),
      (x) => x,
    );
  });
  afterAll(async () => {
    await svc?.endAsync();
    await Promise.all(devices.map((d) => d.close()));
    await service?.stop();
  });

  const ackOf = (cmdId: number) =>
    waitFor(
      `ack of ${cmdId}`,
      async () => acks.find((a) => a.ack.cmdId === cmdId),
      (a) => a !== undefined,
    ) as Promise<{ device: string; ack: CommandAck }>;
  const direct = (hex: string) =>
    svc.publishAsync(deviceTopic(FLEET, "c0", "cmd"), Buffer.from(hex, "hex"), { qos: 1 });

  it("applies a signed command and acks it (earshot fleet cmd)", async () => {
    const { stdout } = await cli(
      ...["fleet", "cmd", "--fleet", FLEET, "--devices", "c0", "--op", "setThreshold"],
      ...["--threshold", "0.7", "--json"],
    );
    const r = JSON.parse(stdout) as { acks: { device: string; ok: boolean }[] };
    expect(r.acks).toEqual([{ device: "c0", ok: true, error: null }]);
    expect(dets[0].runningThreshold).toBeCloseTo(0.7, 6);
  });

  it("refuses unsigned, forged, replayed and other-fleet commands, saying why", async () => {
    const valid = signedCommandHex({ op: "setThreshold", threshold: 0.8 }, FLEET, keys.privateKey);
    await direct(valid.hex);
    expect((await ackOf(valid.cmdId)).ack.ok).toBe(true);
    const replayId = acks.length;
    await direct(valid.hex); // the same bytes again
    await waitFor(
      "replay ack",
      async () => acks.length,
      (n) => n > replayId,
    );
    expect(acks[replayId].ack).toMatchObject({
      ok: false,
      error: expect.stringMatching(/replayed/),
    });

    const forged = signedCommandHex(
      { op: "setThreshold", threshold: 0.01 },
      FLEET,
      rogue.privateKey,
    );
    await direct(forged.hex);
    expect((await ackOf(forged.cmdId)).ack).toMatchObject({ ok: false, error: "bad signature" });

    const other = signedCommandHex(
      { op: "setThreshold", threshold: 0.01 },
      "factory",
      keys.privateKey,
    );
    await direct(other.hex);
    expect((await ackOf(other.cmdId)).ack).toMatchObject({
      ok: false,
      error: "command signed for fleet factory",
    });

    const { encodeForTopic } = await import("../../protocol/host");
    await svc.publishAsync(
      deviceTopic(FLEET, "c0", "cmd"),
      encodeForTopic("cmd", { cmdId: 4242, op: "setThreshold", threshold: 0.01 }),
      { qos: 1 },
    );
    expect((await ackOf(4242)).ack).toMatchObject({ ok: false, error: "unsigned command refused" });
    expect(dets[0].runningThreshold).toBeCloseTo(0.8, 6); // none of them changed anything
    expect(devices[0].mqtt.link.stats().refusedCommands).toBe(4);

    // The service relays only what verifies, for the fleet it names.
    const post = (body: unknown) =>
      fetch(`${http}/api/commands`, {
        method: "POST",
        headers: { authorization: `Bearer ${service.apiToken}` },
        body: JSON.stringify(body),
      });
    const r1 = await post({ fleet: FLEET, command: forged.hex });
    expect(r1.status).toBe(400);
    expect(((await r1.json()) as { error: string }).error).toMatch(/does not verify/);
    const r2 = await post({ fleet: FLEET, command: other.hex });
    expect(((await r2.json()) as { error: string }).error).toMatch(/signed for fleet factory/);
  });

  it("calibrates a device's threshold from its field scores (earshot fleet calibrate)", async () => {
    await waitFor(
      "verified false accepts of c1",
      async () =>
        (
          (await (
            await fetch(`${http}/api/quality?devices=1`, {
              headers: { authorization: `Bearer ${service.apiToken}` },
            })
          ).json()) as {
            devices: { device: string; verifier_rejected: number; device_hours: number }[];
          }
        ).devices.find((d) => d.device === "c1"),
      (d) => d !== undefined && d.verifier_rejected >= 5 && d.device_hours > 0,
    );
    const { stdout } = await cli(
      ...["fleet", "calibrate", "--fleet", FLEET, "--device", "c1"],
      ...["--target-fa-per-hour", "1", "--current", "0.1", "--json"],
    );
    const r = JSON.parse(stdout) as {
      results: {
        threshold: number;
        faPerHour: number;
        faPerHourBefore: number;
        acks: { ok: boolean }[];
      }[];
    };
    const [c] = r.results;
    expect(c.faPerHourBefore).toBeGreaterThan(1);
    expect(c.threshold).toBeGreaterThan(FALSE_SCORE);
    expect(c.faPerHour).toBeLessThanOrEqual(1);
    expect(c.acks).toEqual([{ device: "c1", ok: true, error: null }]);
    expect(dets[1].runningThreshold).toBeCloseTo(c.threshold, 5);
  });
});
