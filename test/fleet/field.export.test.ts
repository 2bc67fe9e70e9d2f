/**
 * Near misses round trip into training: a device sends detection and near-miss windows (98x40,
 * the shipped model's input), the service stores them and its verifier scores them, `earshot
 * field export` writes them labelled (keyword at or above the verifier's threshold, `_unknown_`
 * under it) with the device's input normalization undone, and the trainer's batch stream
 * (`train --field-windows DIR:SHARE`) puts exactly those windows, with those labels, into every
 * batch at their share.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MqttDevice } from "../../device/transport/mqttjs";
import { readFieldWindows } from "../../host/data/field-windows";
import { Rng } from "../../host/data/rng";
import { writeWav16 } from "../../host/data/wav/write";
import { generateCredentials } from "../../host/fleet/broker/credentials";
import { Verifier } from "../../host/fleet/field/verifier";
import { FleetService } from "../../host/fleet/service";
import { SHIPPED } from "../../host/models/shipped";
import { computeInputNorm, normalizeInPlace } from "../../host/train/features";
import { resolveTrainConfig } from "../../host/train/loop";
import { loadTrainingData, makeBatchStream } from "../../host/train/training-data";
import { decodeModel } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import { bearer, testDevice, waitFor } from "./devices";
import { freePort } from "./mosquitto";

const run = promisify(execFile);
const SCALE = 0.03;

describe("near misses: field export round trip into training", () => {
  const root = mkdtempSync(join(tmpdir(), "earshot-export-"));
  const shipped = new Uint8Array(readFileSync(SHIPPED.int8));
  const rng = new Rng(7);
  const windows = Array.from({ length: 6 }, () =>
    Array.from({ length: 98 * 40 }, () =>
      Math.max(-127, Math.min(127, Math.round(rng.normal() * 50))),
    ),
  );
  // A verifier threshold between the windows' scores, so both labels occur.
  const probe = new Verifier(shipped, "probe");
  const scores = windows.map((w) => probe.score("yes", w, SCALE));
  const sorted = [...scores].sort((a, b) => a - b);
  const threshold = (sorted[2] + sorted[3]) / 2;
  const verifier = new Verifier(
    Uint8Array.from(encodeModel({ ...decodeModel([...shipped]), threshold })),
    "shipped at a test threshold",
  );
  const passwords = generateCredentials(["e1"]);
  let service: FleetService;
  let device: MqttDevice;

  beforeAll(async () => {
    service = new FleetService({
      embeddedBrokerPort: await freePort(),
      httpPort: 0,
      credentials: passwords,
      deviceFleets: new Map([["e1", "home"]]),
      verifier,
      log: () => {},
    });
    const urls = await service.start();
    device = testDevice(urls.mqtt, "home", "e1", passwords.get("e1"));
    windows.forEach((w, i) => {
      device.link.detection({
        keyword: "yes",
        score: i < 3 ? 0.9 : 0.6,
        nearMiss: i >= 3,
        featureShape: [98, 40],
        features: w,
        featureScale: SCALE,
      });
    });
    await waitFor(
      "windows verified",
      async () =>
        (
          (await (
            await fetch(`${urls.http}/api/field/windows?model=kws`, bearer(service.apiToken))
          ).json()) as { windows: { verifierScore: number | null }[] }
        ).windows,
      (w) => w.length === 6 && w.every((x) => x.verifierScore !== null),
    );
  });
  afterAll(async () => {
    await device?.close();
    await service?.stop();
  });

  it("exports labelled windows that the trainer mixes into its batches", async () => {
    const out = join(root, "field");
    const { stdout } = await run(
      process.execPath,
      [
        ...["bin/earshot.js", "field", "export", "--model", "kws", "--out", out],
        ...["--model-file", SHIPPED.int8, "--service", service.urls?.http ?? "", "--json"],
      ],
      { env: { ...process.env, EARSHOT_TOKEN: service.apiToken }, timeout: 60_000 },
    );
    expect(JSON.parse(stdout)).toMatchObject({ windows: 6, byLabel: { yes: 3, _unknown_: 3 } });
    const { manifest, data } = readFieldWindows(out);
    const expected = scores.map((s) => (s >= threshold ? "yes" : "_unknown_"));
    expect(manifest.windows.map((w) => w.label)).toEqual(expected);
    expect(manifest.windows.map((w) => w.kind)).toEqual([
      ...["detection", "detection", "detection"],
      ...["nearMiss", "nearMiss", "nearMiss"],
    ]);

    // A tiny audio dataset for the primary source; the field windows join every batch.
    for (const [word, hz] of Object.entries({ yes: 500, no: 900 })) {
      mkdirSync(join(root, "data", word), { recursive: true });
      for (let s = 0; s < 6; s++) {
        const x = new Float32Array(16000);
        for (let i = 4000; i < 10000; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * hz * i) / 16000);
        writeWav16(
          join(root, "data", word, `${(0x4000_0000 + s * 7919).toString(16)}_nohash_0.wav`),
          x,
        );
      }
    }
    const cfg = resolveTrainConfig({
      data: join(root, "data"),
      model: "res8-narrow",
      out: join(root, "run"),
      keywords: ["yes", "no"],
      splitMode: "speaker",
      batchSize: 8,
      seed: 1,
      cacheDir: join(root, "cache"),
      augment: null,
      fieldWindows: { dir: out, share: 0.25 },
    });
    const td = await loadTrainingData(cfg);
    expect(td.field?.labels.length).toBe(6);
    expect([...(td.field?.labels ?? [])].map((l) => td.task.labels[l])).toEqual(expected);
    const norm = computeInputNorm(td.trainSet);
    const batch = makeBatchStream(cfg, td, norm).batch(0);
    // The last 2 of 8 rows are field windows: their labels and (normalized) features.
    const size = 98 * 40;
    const normalized = expected.map((_, i) =>
      normalizeInPlace(data.slice(i * size, (i + 1) * size), norm),
    );
    for (const row of [6, 7]) {
      const x = batch.x.subarray(row * size, (row + 1) * size);
      const k = normalized.findIndex((w) => w.every((v, j) => Math.abs(v - x[j]) < 1e-5));
      expect(k).toBeGreaterThanOrEqual(0);
      expect(td.task.labels[batch.labels[row]]).toBe(expected[k]);
    }
  });
});
