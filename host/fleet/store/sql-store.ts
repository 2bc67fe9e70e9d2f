/**
 * Store over any SqlDriver (PGlite or PostgreSQL): the same SQL runs on both. Batches are written
 * with one `INSERT ... SELECT FROM unnest($arrays)` per table, so a flush costs a handful of
 * statements whatever its size, and (device_id, seq) conflicts are skipped, not errors.
 */

import { FleetError } from "../errors";
import type { SqlDriver } from "./driver";
import { migrate } from "./migrations";
import type {
  ArtifactRecord,
  DeploymentRecord,
  DeploymentRow,
  DetectionQuery,
  DetectionRow,
  DeviceRow,
  IngestBatch,
  IngestResult,
  OtaStatusRow,
  Store,
  Summary,
} from "./types";

type Row = Record<string, unknown>;

const hex = (b: ArrayLike<number>): string => Buffer.from(b as Uint8Array).toString("hex");
const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));
const bytes = (v: unknown): Uint8Array => new Uint8Array(v as Uint8Array);

export class SqlStore implements Store {
  private constructor(private readonly db: SqlDriver) {}

  /** Migrates the database to the current schema, then serves it. */
  static async open(db: SqlDriver): Promise<SqlStore> {
    await migrate(db);
    return new SqlStore(db);
  }

  get describe(): string {
    return this.db.describe;
  }

  async ingest(b: IngestBatch): Promise<IngestResult> {
    return this.db.transaction(async (tx) => {
      const seen = new Map<string, string>();
      for (const r of [...b.detections, ...b.telemetry, ...b.status, ...b.otaReports, ...b.acks]) {
        seen.set(r.deviceId, r.fleet);
      }
      if (seen.size > 0) {
        await tx.query(
          `INSERT INTO devices (device_id, fleet) SELECT * FROM unnest($1::text[], $2::text[])
           ON CONFLICT (device_id) DO UPDATE SET last_seen = now(), fleet = EXCLUDED.fleet`,
          [[...seen.keys()], [...seen.values()]],
        );
      }
      let inserted = 0;
      const d = b.detections;
      if (d.length > 0) {
        const r = await tx.query(
          `INSERT INTO detections (device_id, seq, fleet, device_ms, clock_synced, keyword, score,
             model_id, model_version, feature_shape, features, feature_scale, near_miss)
           SELECT dev, seq, fleet, ms, synced, kw, score, mid, mv, shape::integer[], decode(feat, 'hex'),
             fscale, nm
           FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::boolean[],
             $6::text[], $7::real[], $8::text[], $9::integer[], $10::text[], $11::text[],
             $12::real[], $13::boolean[])
             AS t(dev, seq, fleet, ms, synced, kw, score, mid, mv, shape, feat, fscale, nm)
           ON CONFLICT (device_id, seq) DO NOTHING`,
          [
            d.map((x) => x.deviceId),
            d.map((x) => x.det.seq),
            d.map((x) => x.fleet),
            d.map((x) => x.det.timeMs),
            d.map((x) => x.det.clockSynced),
            d.map((x) => x.det.keyword),
            d.map((x) => x.det.score),
            d.map((x) => x.det.modelId),
            d.map((x) => x.det.modelVersion),
            d.map((x) => (x.det.featureShape ? `{${x.det.featureShape.join(",")}}` : null)),
            d.map((x) => (x.det.features ? hex(x.det.features.map((v) => v & 0xff)) : null)),
            d.map((x) => x.det.featureScale ?? null),
            d.map((x) => x.det.nearMiss === true),
          ],
        );
        inserted = r.affected;
      }
      const duplicates = d.length - inserted;
      if (duplicates > 0 || b.rejected > 0) {
        await tx.query(
          `UPDATE ingest_counters SET value = value +
             CASE name WHEN 'duplicates' THEN $1::bigint ELSE $2::bigint END
           WHERE name IN ('duplicates', 'rejected')`,
          [duplicates, b.rejected],
        );
      }
      await this.insertTelemetry(tx, b);
      await this.insertStatus(tx, b);
      await this.insertOtaReports(tx, b);
      await this.insertAcks(tx, b);
      return { inserted, duplicates };
    });
  }

  private async insertTelemetry(tx: Pick<SqlDriver, "query">, b: IngestBatch): Promise<void> {
    const t = b.telemetry;
    if (t.length === 0) return;
    await tx.query(
      `INSERT INTO telemetry (device_id, seq, fleet, device_ms, uptime_ms, model_id, model_version,
         frames, inferences, detections, near_misses, buffered, dropped, reconnects, detail)
       SELECT dev, seq, fleet, ms, up, mid, mv, fr, inf, det, nm, buf, dr, rc, detail::jsonb
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::text[],
         $7::integer[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::integer[],
         $13::integer[], $14::integer[], $15::text[])
         AS t(dev, seq, fleet, ms, up, mid, mv, fr, inf, det, nm, buf, dr, rc, detail)`,
      [
        t.map((x) => x.deviceId),
        t.map((x) => x.tel.seq),
        t.map((x) => x.fleet),
        t.map((x) => x.tel.timeMs),
        t.map((x) => x.tel.uptimeMs),
        t.map((x) => x.tel.modelId),
        t.map((x) => x.tel.modelVersion),
        t.map((x) => x.tel.frames),
        t.map((x) => x.tel.inferences),
        t.map((x) => x.tel.detections),
        t.map((x) => x.tel.nearMisses),
        t.map((x) => x.tel.buffered),
        t.map((x) => x.tel.dropped),
        t.map((x) => x.tel.reconnects),
        t.map((x) => {
          const { stages, arenaBytes, heapUsed, heapFree, batteryMv, rssiDbm, histogram } = x.tel;
          return JSON.stringify({
            stages,
            arenaBytes,
            heapUsed,
            heapFree,
            batteryMv,
            rssiDbm,
            histogram,
            perKeyword: x.tel.perKeyword,
          });
        }),
      ],
    );
  }

  private async insertStatus(tx: Pick<SqlDriver, "query">, b: IngestBatch): Promise<void> {
    const s = b.status;
    if (s.length === 0) return;
    await tx.query(
      `INSERT INTO status_history (device_id, fleet, online, device_ms, runtime, model_id,
         model_version, reason)
       SELECT * FROM unnest($1::text[], $2::text[], $3::boolean[], $4::bigint[], $5::text[],
         $6::text[], $7::integer[], $8::text[])`,
      [
        s.map((x) => x.deviceId),
        s.map((x) => x.fleet),
        s.map((x) => x.status.online),
        s.map((x) => x.status.timeMs),
        s.map((x) => x.status.runtime),
        s.map((x) => x.status.modelId ?? null),
        s.map((x) => x.status.modelVersion ?? null),
        s.map((x) => x.status.reason ?? null),
      ],
    );
    // The device row keeps the latest state: last status per device in this batch wins.
    const last = new Map(s.map((x) => [x.deviceId, x.status]));
    const ids = [...last.keys()];
    const st = [...last.values()];
    await tx.query(
      `UPDATE devices d SET online = u.online, runtime = u.runtime,
         model_id = coalesce(u.mid, d.model_id), model_version = coalesce(u.mv, d.model_version)
       FROM unnest($1::text[], $2::boolean[], $3::text[], $4::text[], $5::integer[])
         AS u(id, online, runtime, mid, mv)
       WHERE d.device_id = u.id`,
      [
        ids,
        st.map((x) => x.online),
        st.map((x) => x.runtime),
        st.map((x) => x.modelId ?? null),
        st.map((x) => x.modelVersion ?? null),
      ],
    );
  }

  private async insertOtaReports(tx: Pick<SqlDriver, "query">, b: IngestBatch): Promise<void> {
    const o = b.otaReports;
    if (o.length === 0) return;
    await tx.query(
      `INSERT INTO ota_outcomes (device_id, fleet, model_id, version, outcome, detail,
         active_model_id, active_version, device_ms)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::text[],
         $6::text[], $7::text[], $8::integer[], $9::bigint[])
       ON CONFLICT (device_id, model_id, version, outcome, device_ms) DO NOTHING`,
      [
        o.map((x) => x.deviceId),
        o.map((x) => x.fleet),
        o.map((x) => x.report.modelId),
        o.map((x) => x.report.version),
        o.map((x) => x.report.outcome),
        o.map((x) => x.report.detail ?? null),
        o.map((x) => x.report.activeModelId),
        o.map((x) => x.report.activeVersion),
        o.map((x) => x.report.timeMs),
      ],
    );
    const last = new Map(o.map((x) => [x.deviceId, x.report]));
    await tx.query(
      `UPDATE devices d SET model_id = u.mid, model_version = u.mv
       FROM unnest($1::text[], $2::text[], $3::integer[]) AS u(id, mid, mv)
       WHERE d.device_id = u.id`,
      [
        [...last.keys()],
        [...last.values()].map((r) => r.activeModelId),
        [...last.values()].map((r) => r.activeVersion),
      ],
    );
  }

  private async insertAcks(tx: Pick<SqlDriver, "query">, b: IngestBatch): Promise<void> {
    const a = b.acks;
    if (a.length === 0) return;
    await tx.query(
      `INSERT INTO command_acks (device_id, fleet, cmd_id, ok, error)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::boolean[], $5::text[])`,
      [
        a.map((x) => x.deviceId),
        a.map((x) => x.fleet),
        a.map((x) => x.ack.cmdId),
        a.map((x) => x.ack.ok),
        a.map((x) => x.ack.error ?? null),
      ],
    );
  }

  /** The database under the store, for the field-loop queries (host/fleet/field). */
  get driver(): SqlDriver {
    return this.db;
  }

  async summary(): Promise<Summary> {
    const r = await this.db.query<Row>(
      `SELECT (SELECT count(*) FROM devices)::float8 AS devices,
         (SELECT count(*) FROM devices WHERE online)::float8 AS online,
         (SELECT count(*) FROM detections WHERE NOT near_miss)::float8 AS detections,
         (SELECT count(*) FROM detections WHERE near_miss)::float8 AS near_misses,
         (SELECT value FROM ingest_counters WHERE name = 'duplicates')::float8 AS duplicates,
         (SELECT value FROM ingest_counters WHERE name = 'rejected')::float8 AS rejected,
         (SELECT count(*) FROM telemetry)::float8 AS telemetry,
         (SELECT count(*) FROM ota_outcomes)::float8 AS ota_outcomes`,
    );
    const x = r.rows[0];
    return {
      devices: Number(x.devices),
      online: Number(x.online),
      detections: Number(x.detections),
      nearMisses: Number(x.near_misses),
      duplicates: Number(x.duplicates),
      rejected: Number(x.rejected),
      telemetry: Number(x.telemetry),
      otaOutcomes: Number(x.ota_outcomes),
    };
  }

  async devices(fleet?: string): Promise<DeviceRow[]> {
    const r = await this.db.query<Row>(
      `SELECT d.*, (SELECT count(*) FROM detections x WHERE x.device_id = d.device_id)::float8 AS n
       FROM devices d WHERE $1::text IS NULL OR d.fleet = $1 ORDER BY d.device_id`,
      [fleet ?? null],
    );
    return r.rows.map((x) => ({
      deviceId: String(x.device_id),
      fleet: String(x.fleet),
      firstSeen: iso(x.first_seen),
      lastSeen: iso(x.last_seen),
      online: x.online as boolean | null,
      runtime: x.runtime as string | null,
      modelId: x.model_id as string | null,
      modelVersion: x.model_version as number | null,
      detections: Number(x.n),
      cohort: String(x.cohort ?? "all"),
    }));
  }

  async detections(q: DetectionQuery): Promise<DetectionRow[]> {
    const limit = Math.min(Math.max(q.limit ?? 1000, 1), 100_000);
    const r = await this.db.query<Row>(
      `SELECT id::float8 AS id, device_id, fleet, seq::float8 AS seq, device_ms::float8 AS ms,
         clock_synced, keyword, score, model_id, model_version, received_at
       FROM detections
       WHERE ($1::text IS NULL OR device_id = $1) AND ($2::text IS NULL OR fleet = $2)
         AND id > $3
       ORDER BY id LIMIT $4`,
      [q.deviceId ?? null, q.fleet ?? null, q.afterId ?? 0, limit],
    );
    return r.rows.map((x) => ({
      id: Number(x.id),
      deviceId: String(x.device_id),
      fleet: String(x.fleet),
      seq: Number(x.seq),
      deviceMs: Number(x.ms),
      clockSynced: Boolean(x.clock_synced),
      keyword: String(x.keyword),
      score: Number(x.score),
      modelId: String(x.model_id),
      modelVersion: Number(x.model_version),
      receivedAt: iso(x.received_at),
    }));
  }

  async putArtifact(a: ArtifactRecord): Promise<void> {
    const r = await this.db.query(
      `INSERT INTO ota_artifacts (model_id, version, size, sha256, chunk_size, min_runtime, key_id,
         manifest, signature, model)
       VALUES ($1, $2, $3, decode($4, 'hex'), $5, $6, $7, decode($8, 'hex'), decode($9, 'hex'),
         decode($10, 'hex'))
       ON CONFLICT (model_id, version) DO NOTHING`,
      [
        a.modelId,
        a.version,
        a.size,
        hex(a.sha256),
        a.chunkSize,
        a.minRuntime,
        a.keyId,
        hex(a.manifest),
        hex(a.signature),
        hex(a.model),
      ],
    );
    if (r.affected === 1) return;
    const old = await this.artifact(a.modelId, a.version);
    if (!old || hex(old.sha256) !== hex(a.sha256)) {
      throw new FleetError(
        `${a.modelId} version ${a.version} was already published with a different model; ` +
          "publish a higher --version",
      );
    }
  }

  async artifact(modelId: string, version: number): Promise<ArtifactRecord | undefined> {
    const r = await this.db.query<Row>(
      "SELECT * FROM ota_artifacts WHERE model_id = $1 AND version = $2",
      [modelId, version],
    );
    const x = r.rows[0];
    if (!x) return undefined;
    return {
      modelId: String(x.model_id),
      version: Number(x.version),
      size: Number(x.size),
      sha256: bytes(x.sha256),
      chunkSize: Number(x.chunk_size),
      minRuntime: String(x.min_runtime),
      keyId: (x.key_id as string | null) ?? null,
      manifest: bytes(x.manifest),
      signature: bytes(x.signature),
      model: bytes(x.model),
    };
  }

  async addDeployment(d: DeploymentRecord): Promise<DeploymentRow> {
    const r = await this.db.query<Row>(
      `INSERT INTO ota_deployments (fleet, model_id, version, devices) VALUES ($1, $2, $3, $4)
       RETURNING id::float8 AS id, created_at`,
      [d.fleet, d.modelId, d.version, d.devices],
    );
    return { ...d, id: Number(r.rows[0].id), createdAt: iso(r.rows[0].created_at) };
  }

  async otaStatus(): Promise<OtaStatusRow[]> {
    const deps = await this.db.query<Row>(
      `SELECT id::float8 AS id, fleet, model_id, version, devices, created_at
       FROM ota_deployments ORDER BY id DESC`,
    );
    const out: OtaStatusRow[] = [];
    for (const x of deps.rows) {
      const devices = (x.devices as string[] | null) ?? null;
      const latest = await this.db.query<Row>(
        `SELECT DISTINCT ON (device_id) device_id, outcome, detail FROM ota_outcomes
         WHERE model_id = $1 AND version = $2 AND fleet = $3
           AND ($4::text[] IS NULL OR device_id = ANY($4::text[]))
         ORDER BY device_id, device_ms DESC, id DESC`,
        [x.model_id, x.version, x.fleet, devices],
      );
      const outcomes: Record<string, number> = {};
      for (const o of latest.rows) {
        const k = String(o.outcome);
        outcomes[k] = (outcomes[k] ?? 0) + 1;
      }
      out.push({
        id: Number(x.id),
        fleet: String(x.fleet),
        modelId: String(x.model_id),
        version: Number(x.version),
        devices,
        createdAt: iso(x.created_at),
        outcomes,
        devicesReported: latest.rows.map((o) => ({
          deviceId: String(o.device_id),
          outcome: String(o.outcome),
          detail: (o.detail as string | null) ?? null,
        })),
      });
    }
    return out;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
