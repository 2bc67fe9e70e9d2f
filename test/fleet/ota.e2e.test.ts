/**
 * OTA through the whole host side, on the embedded aedes broker: `earshot ota keygen` and
 * `earshot ota publish` (CLI) -> service stores the artifact and offers it -> real device links
 * with the real updater fetch chunks -> outcomes reported back and shown by `earshot ota status`.
 * A device that trusts another key refuses the artifact and keeps its old model.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceImage } from "../../device/engines/image-plan";
import { generateCredentials } from "../../host/fleet/broker/credentials";
import { FleetService } from "../../host/fleet/service";
import { demoModel } from "../../host/fleet/sim/demo-model";
import { ScheduledDetector } from "../../host/fleet/sim/detector";
import { startVirtualDevice, type VirtualDevice } from "../../host/fleet/sim/device";
import { buildPublishRequest } from "../../host/ota/publish";
import { generateSigningKeys } from "../../protocol/ota/keys";
import { createPostgresDb, type TestDb } from "./databases";
import { bearer, waitFor } from "./devices";
import { freePort } from "./mosquitto";

const run = promisify(execFile);
let apiToken = "";
const cli = (...args: string[]) =>
  run(process.execPath, ["bin/earshot.js", ...args], {
    timeout: 60_000,
    env: { ...process.env, EARSHOT_API_TOKEN: apiToken },
  });

describe("OTA end to end (embedded broker, PostgreSQL store)", () => {
  const creds = generateCredentials(["a1", "a2", "x9", "i1", "m1"]);
  const dir = mkdtempSync(join(tmpdir(), "earshot-ota-"));
  let db: TestDb;
  let service: FleetService;
  let devices: VirtualDevice[] = [];
  let keys: { publicKeyHex: string; publicKeyRaw: string; privateKey: string };

  beforeAll(async () => {
    keys = JSON.parse((await cli("ota", "keygen", "--out", join(dir, "keys"), "--json")).stdout);
    db = await createPostgresDb();
    service = new FleetService({
      ...db.opts,
      embeddedBrokerPort: await freePort(),
      credentials: creds,
      otaPublicKeys: [new Uint8Array(readFileSync(keys.publicKeyRaw))],
      httpPort: 0,
      log: () => {},
    });
    await service.start();
    apiToken = service.apiToken;
  });
  afterAll(async () => {
    await Promise.all(devices.map((d) => d.close()));
    await service?.stop();
    await db?.drop();
  });

  it("publishes a signed model that trusting devices activate and others refuse", async () => {
    expect(keys.publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
    const trusted = Buffer.from(keys.publicKeyHex, "hex");
    expect(Buffer.from(readFileSync(keys.publicKeyRaw))).toEqual(trusted);

    const v1 = demoModel("kws", 1);
    const url = service.urls?.mqtt.replace(/\/\/[^@]*@/, "//") ?? "";
    const start = (id: string, publicKey: Uint8Array) =>
      startVirtualDevice({
        url,
        password: creds.get(id),
        fleet: "plant",
        device: id,
        model: v1,
        publicKey,
        detector: new ScheduledDetector({ keywords: ["yes"], everyMs: 60_000, phaseMs: 60_000 }),
      });
    devices = [
      start("a1", trusted),
      start("a2", trusted),
      start("x9", generateSigningKeys().publicKeyRaw),
    ];
    await waitFor(
      "devices online",
      async () => devices.every((d) => d.mqtt.link.stats().online),
      (x) => x,
    );

    const modelFile = join(dir, "kws-v2.esm");
    writeFileSync(modelFile, demoModel("kws", 2, 5000));
    const svc = service.urls?.http ?? "";
    const pub = JSON.parse(
      (
        await cli(
          "ota",
          "publish",
          "--model",
          modelFile,
          "--fleet",
          "plant",
          "--key",
          keys.privateKey,
          "--chunk-size",
          "512",
          "--service",
          svc,
          "--json",
        )
      ).stdout,
    );
    expect(pub.chunks).toBe(Math.ceil(readFileSync(modelFile).length / 512));
    expect(pub.offeredOn).toEqual(["earshot/v1/plant/_all/ota/offer"]);

    const status = async () =>
      JSON.parse((await cli("ota", "status", "--service", svc, "--json")).stdout);
    const st = await waitFor(
      "outcomes reported",
      async () =>
        (await fetch(`${svc}/api/ota/status`, bearer(service.apiToken))).json() as Promise<
          { outcomes: Record<string, number> }[]
        >,
      (x) => (x[0]?.outcomes.activated ?? 0) + (x[0]?.outcomes.badSignature ?? 0) === 3,
      30_000,
    );
    expect(st[0].outcomes).toEqual({ activated: 2, badSignature: 1 });
    const viaCli = await status();
    expect(viaCli[0].outcomes).toEqual({ activated: 2, badSignature: 1 });
    expect(devices.map((d) => d.activations)).toEqual([1, 1, 0]);

    const devs = (await (await fetch(`${svc}/api/devices`, bearer(service.apiToken))).json()) as {
      deviceId: string;
      modelVersion: number;
    }[];
    const version = Object.fromEntries(devs.map((d) => [d.deviceId, d.modelVersion]));
    expect(version).toEqual({ a1: 2, a2: 2, x9: 1 });
  });

  it("publishes a device image: a device on an image bundle activates it, a model-file device refuses it, and the other way round", async () => {
    const shipped = new Uint8Array(readFileSync("models/kws12-int8.esm"));
    const imageFile = join(dir, "kws12-int8.img");
    writeFileSync(imageFile, deviceImage(shipped));
    const modelFile = join(dir, "kws12-int8.esm");
    writeFileSync(modelFile, shipped);
    const url = service.urls?.mqtt.replace(/\/\/[^@]*@/, "//") ?? "";
    const publicKey = new Uint8Array(readFileSync(keys.publicKeyRaw));
    const start = (id: string, model: Uint8Array) =>
      startVirtualDevice({
        url,
        password: creds.get(id),
        fleet: "plant",
        device: id,
        model,
        publicKey,
        detector: new ScheduledDetector({ keywords: ["yes"], everyMs: 60_000, phaseMs: 60_000 }),
      });
    const onImage = start("i1", deviceImage(shipped));
    const onFile = start("m1", shipped);
    devices.push(onImage, onFile);
    await waitFor(
      "devices online",
      async () => onImage.mqtt.link.stats().online && onFile.mqtt.link.stats().online,
      (x) => x,
    );
    const svc = service.urls?.http ?? "";
    const publish = async (file: string, version: number) =>
      JSON.parse(
        (
          await cli(
            "ota",
            "publish",
            "--model",
            file,
            "--fleet",
            "plant",
            "--devices",
            "i1,m1",
            "--version",
            `${version}`,
            "--key",
            keys.privateKey,
            "--service",
            svc,
            "--json",
          )
        ).stdout,
      ) as { deployment: { id: number } };
    const outcomes = (id: number) =>
      waitFor(
        `deployment ${id}'s outcomes`,
        async () => {
          const rows = (await (
            await fetch(`${svc}/api/ota/status`, bearer(service.apiToken))
          ).json()) as { id: number; outcomes: Record<string, number> }[];
          return rows.find((r) => r.id === id)?.outcomes ?? {};
        },
        (o) => Object.values(o).reduce((a, b) => a + b, 0) === 2,
        30_000,
      );
    // The image bundle has no decoder: only the device started on an image takes the image.
    const img = await publish(imageFile, 900_001);
    expect(await outcomes(img.deployment.id)).toEqual({ activated: 1, badModel: 1 });
    expect([onImage.activations, onFile.activations]).toEqual([1, 0]);
    // A model file: the other way round.
    const file = await publish(modelFile, 900_002);
    expect(await outcomes(file.deployment.id)).toEqual({ activated: 1, badModel: 1 });
    expect([onImage.activations, onFile.activations]).toEqual([1, 1]);
  });

  it("refuses a publish whose model does not match its manifest, naming the problem", async () => {
    const res = await fetch(`${service.urls?.http}/api/ota/publish`, {
      method: "POST",
      headers: { authorization: `Bearer ${service.apiToken}` },
      body: JSON.stringify({ fleet: "plant", manifest: "00", signature: "00", model: "AAAA" }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/manifest|truncated|byte/);
  });

  it("`ota publish --version 7` publishes version 7 (the flag is not the program's --version)", async () => {
    const modelFile = join(dir, "kws-v1.esm");
    writeFileSync(modelFile, demoModel("kws", 1));
    const { stdout } = await cli(
      "ota",
      "publish",
      "--model",
      modelFile,
      "--fleet",
      "plant",
      "--devices",
      "offline-1",
      "--version",
      "7",
      "--key",
      keys.privateKey,
      "--service",
      service.urls?.http ?? "",
      "--json",
    );
    expect(JSON.parse(stdout).deployment.version).toBe(7);
    expect((await cli("--version")).stdout.trim()).toBe("0.1.0");
  });

  it("refuses, before storing anything, artifacts signed by another key or for another fleet", async () => {
    const before = await (
      await fetch(`${service.urls?.http}/api/ota/status`, bearer(service.apiToken))
    ).json();
    const modelFile = join(dir, "kws-v9.esm");
    writeFileSync(modelFile, demoModel("kws", 9));
    const rogue = JSON.parse(
      (await cli("ota", "keygen", "--out", join(dir, "rogue"), "--json")).stdout,
    );
    const publish = (key: string) =>
      buildPublishRequest({
        model: modelFile,
        fleet: "plant",
        key,
        service: service.urls?.http ?? "",
      });
    const post = (body: unknown) =>
      fetch(`${service.urls?.http}/api/ota/publish`, {
        method: "POST",
        headers: { authorization: `Bearer ${service.apiToken}` },
        body: JSON.stringify(body),
      });
    const r1 = await post(publish(rogue.privateKey));
    expect(r1.status).toBe(400);
    expect(((await r1.json()) as { error: string }).error).toMatch(/signature does not verify/);
    // Fleet A's genuine signed artifact re-posted for fleet B.
    const r2 = await post({ ...publish(keys.privateKey), fleet: "factory" });
    expect(r2.status).toBe(400);
    expect(((await r2.json()) as { error: string }).error).toMatch(
      /signed for fleet plant, not factory/,
    );
    const after = await (
      await fetch(`${service.urls?.http}/api/ota/status`, bearer(service.apiToken))
    ).json();
    expect(after).toEqual(before);
  });

  it("CLI errors are one line: missing key, bad model file", async () => {
    const bad = join(dir, "not-a-model.bin");
    writeFileSync(bad, "hello");
    const r = await cli(
      "ota",
      "publish",
      "--model",
      bad,
      "--fleet",
      "plant",
      "--key",
      join(dir, "nokey"),
    )
      .then(() => ({ stderr: "", code: 0 }))
      .catch((e: { stderr: string; code: number }) => e);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/neither a valid earshot model file nor a device image/);
  });
});
