/**
 * One contract for every Store implementation (STYLE habit 9): the same cases run against PGlite
 * and a real PostgreSQL server, each in a fresh database.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listMigrations } from "../../host/fleet/store/migrations";
import type { SqlStore } from "../../host/fleet/store/sql-store";
import { emptyBatch } from "../../host/fleet/store/types";
import { createDb, openTestStore, STORE_KINDS, type TestDb } from "./databases";
import { det, report, status, tel } from "./samples";

const origin = (deviceId: string) => ({ fleet: "plant", deviceId });

describe.each(STORE_KINDS)("Store contract: %s", (kind) => {
  let db: TestDb;
  let store: SqlStore;

  beforeAll(async () => {
    db = await createDb(kind, join(mkdtempSync(join(tmpdir(), "earshot-store-")), "db"));
    store = await openTestStore(db);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("stores a detection batch and counts redeliveries of (device, seq) as duplicates", async () => {
    const b = emptyBatch();
    b.detections = [1, 2, 3].map((s) => ({ ...origin("n1"), det: det(s) }));
    b.detections.push({ ...origin("n2"), det: det(1, { keyword: "no", score: 0.5 }) });
    expect(await store.ingest(b)).toEqual({ inserted: 4, duplicates: 0 });

    const again = emptyBatch();
    // Seq 3 redelivered, seq 4 new, and seq 4 twice within one batch.
    again.detections = [3, 4, 4].map((s) => ({ ...origin("n1"), det: det(s) }));
    expect(await store.ingest(again)).toEqual({ inserted: 1, duplicates: 2 });

    const s = await store.summary();
    expect(s).toMatchObject({ devices: 2, detections: 5, duplicates: 2 });
    const rows = await store.detections({ deviceId: "n1" });
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(rows[0]).toMatchObject({ keyword: "yes", score: 0.875, modelId: "kws", fleet: "plant" });
    const n2 = await store.detections({ deviceId: "n2" });
    expect(n2).toHaveLength(1);
    expect(n2[0]).toMatchObject({ keyword: "no", score: 0.5 });
  });

  it("pages detections by id cursor", async () => {
    const first = await store.detections({ limit: 2 });
    const rest = await store.detections({ afterId: first[1].id });
    expect(first).toHaveLength(2);
    expect(rest.every((r) => r.id > first[1].id)).toBe(true);
    expect(first.length + rest.length).toBe((await store.summary()).detections);
  });

  it("keeps feature windows with their shape", async () => {
    const b = emptyBatch();
    b.detections = [
      {
        ...origin("n3"),
        det: det(1, { featureShape: [2, 3], features: [-128, -1, 0, 1, 2, 127] }),
      },
    ];
    expect((await store.ingest(b)).inserted).toBe(1);
    expect((await store.devices()).map((d) => d.deviceId)).toContain("n3");
  });

  it("records telemetry, status and the device's latest state", async () => {
    const b = emptyBatch();
    b.telemetry = [{ ...origin("n1"), tel: tel(1) }];
    b.status = [
      { ...origin("n1"), status: status(true, { modelId: "kws", modelVersion: 1 }) },
      { ...origin("n2"), status: status(true) },
      { ...origin("n2"), status: status(false, { reason: "lost" }) },
    ];
    b.rejected = 3;
    await store.ingest(b);
    const devs = await store.devices();
    const n1 = devs.find((d) => d.deviceId === "n1");
    const n2 = devs.find((d) => d.deviceId === "n2");
    expect(n1).toMatchObject({ online: true, runtime: "0.1.0", modelId: "kws", modelVersion: 1 });
    expect(n1?.detections).toBe(4);
    expect(n2?.online).toBe(false);
    const s = await store.summary();
    expect(s).toMatchObject({ telemetry: 1, online: 1, rejected: 3, duplicates: 2 });
  });

  it("a failing batch stores nothing of itself", async () => {
    const before = await store.summary();
    const b = emptyBatch();
    b.detections = [{ ...origin("n9"), det: det(1) }];
    // modelVersion beyond int4: the whole transaction must roll back, detections included.
    b.telemetry = [{ ...origin("n9"), tel: { ...tel(1), modelVersion: 2 ** 40 } }];
    await expect(store.ingest(b)).rejects.toThrow();
    expect(await store.summary()).toEqual(before);
  });

  it("stores artifacts, deployments and the outcomes devices report", async () => {
    const art = {
      modelId: "kws",
      version: 2,
      size: 4,
      sha256: new Uint8Array(32).fill(7),
      chunkSize: 2,
      minRuntime: "0.1.0",
      keyId: "abcd",
      manifest: new Uint8Array([1, 2, 3]),
      signature: new Uint8Array(64).fill(9),
      model: new Uint8Array([10, 20, 30, 40]),
    };
    await store.putArtifact(art);
    await store.putArtifact(art); // same content again: accepted
    await expect(store.putArtifact({ ...art, sha256: new Uint8Array(32).fill(8) })).rejects.toThrow(
      /already published/,
    );
    const back = await store.artifact("kws", 2);
    expect(back?.model).toEqual(art.model);
    expect(back?.signature).toEqual(art.signature);
    expect(await store.artifact("kws", 99)).toBeUndefined();

    const dep = await store.addDeployment({
      fleet: "plant",
      modelId: "kws",
      version: 2,
      devices: ["n1", "n2"],
    });
    const b = emptyBatch();
    b.otaReports = [
      { ...origin("n1"), report: report({ outcome: "badHash", activeVersion: 1, timeMs: 1 }) },
      { ...origin("n1"), report: report({ timeMs: 2 }) },
      { ...origin("n1"), report: report({ timeMs: 2 }) }, // redelivered
      { ...origin("n2"), report: report({ outcome: "badSignature", activeVersion: 1 }) },
      { ...origin("n3"), report: report() }, // not a target of this deployment
    ];
    await store.ingest(b);
    const st = await store.otaStatus();
    expect(st[0].id).toBe(dep.id);
    expect(st[0].outcomes).toEqual({ activated: 1, badSignature: 1 });
    expect(st[0].devicesReported.map((d) => d.deviceId)).toEqual(["n1", "n2"]);
    expect((await store.summary()).otaOutcomes).toBe(4);
    const n1 = (await store.devices()).find((d) => d.deviceId === "n1");
    expect(n1).toMatchObject({ modelId: "kws", modelVersion: 2 });
  });
});

describe("migrations", () => {
  it("are numbered from 001 without gaps", () => {
    const m = listMigrations();
    expect(m.length).toBeGreaterThan(0);
    expect(m.map((x) => x.version)).toEqual(m.map((_, i) => i + 1));
  });
});
