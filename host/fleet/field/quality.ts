/**
 * Field quality per cohort, model version and device, from what devices already send.
 *
 * How each figure is estimated (ground truth is unknown in the field):
 * - device_hours: per device and model version, the span of device time (device_ms) between the
 *   first and last message that names that version (status, telemetry, OTA outcome, detection),
 *   summed over devices. A device that switches model mid-way counts each version's span.
 * - detections_per_hour: detections (not near misses) / device_hours.
 * - fa_per_hour_estimate: detections_per_hour x the share of verified detections that the host
 *   verifier rejects. The verifier (verifier.ts) re-scores the feature window each detection
 *   carries with a reference model at its own threshold; a window whose score for the detected
 *   keyword stays under that threshold counts as a false accept. Null while nothing is verified.
 * - near_misses_per_hour: growth of the devices' near-miss counters (telemetry) / device_hours.
 * - score_histogram: detection scores in 10 equal bins over [0, 1].
 */
import type { Queryable } from "../store/driver";

export interface QualityRow {
  cohort: string;
  /** `modelId@vVERSION`: what `?model=` matches (as does the bare modelId). */
  model: string;
  model_id: string;
  version: number;
  devices: number;
  device_hours: number;
  detections: number;
  detections_per_hour: number | null;
  verified: number;
  verifier_rejected: number;
  fa_per_hour_estimate: number | null;
  near_misses_per_hour: number | null;
  captured_near_misses: number;
  score_histogram: number[];
}

export interface DeviceQualityRow extends Omit<QualityRow, "devices"> {
  device: string;
}

export interface QualityReport {
  estimator: string;
  verifier_threshold: number | null;
  cohorts: QualityRow[];
  devices?: DeviceQualityRow[];
}

export const ESTIMATOR =
  "fa_per_hour_estimate = detections/device-hour x share of detections whose sent feature " +
  "window the host verifier (a reference model at its own threshold) scores under threshold";

export interface QualityQuery {
  fleet?: string;
  /** modelId, or modelId@vN. */
  model?: string;
  /** Only these devices (a rollout's cohorts). */
  devices?: string[];
  /** Only what arrived since then (a rollout's canary period), ISO time. */
  since?: string;
  perDevice?: boolean;
}

interface DeviceVersionRow {
  device_id: string;
  cohort: string;
  model_id: string;
  v: number;
  hours: number;
  n: number;
  verified: number;
  rejected: number;
  captured: number;
  near: number;
  hist: number[];
}

const BINS = 10;

export const modelKey = (id: string, v: number) => `${id}@v${v}`;

/** Per (device, model version): hours, detections, verifier counts, near misses. */
async function perDeviceVersion(
  db: Queryable,
  q: QualityQuery,
  verifierThreshold: number,
): Promise<DeviceVersionRow[]> {
  const r = await db.query<Record<string, unknown>>(
    `WITH ev AS (
       SELECT device_id, model_id, model_version AS v, device_ms AS ms FROM telemetry
         WHERE ($1::text IS NULL OR fleet = $1) AND received_at >= $4::timestamptz
       UNION ALL SELECT device_id, model_id, model_version, device_ms FROM status_history
         WHERE model_id IS NOT NULL AND ($1::text IS NULL OR fleet = $1)
           AND received_at >= $4::timestamptz
       UNION ALL SELECT device_id, active_model_id, active_version, device_ms FROM ota_outcomes
         WHERE ($1::text IS NULL OR fleet = $1) AND received_at >= $4::timestamptz
       UNION ALL SELECT device_id, model_id, model_version, device_ms FROM detections
         WHERE ($1::text IS NULL OR fleet = $1) AND received_at >= $4::timestamptz
     ), span AS (
       SELECT device_id, model_id, v, (max(ms) - min(ms))::float8 / 3600000 AS hours
       FROM ev GROUP BY 1, 2, 3
     ), det AS (
       SELECT device_id, model_id, model_version AS v,
         count(*) FILTER (WHERE NOT near_miss) AS n,
         count(*) FILTER (WHERE NOT near_miss AND verifier_score >= 0) AS verified,
         count(*) FILTER (WHERE NOT near_miss AND verifier_score >= 0 AND verifier_score < $2)
           AS rejected,
         count(*) FILTER (WHERE near_miss) AS captured,
         array_agg(least(floor(score * ${BINS}), ${BINS - 1})::int) FILTER (WHERE NOT near_miss)
           AS bins
       FROM detections WHERE ($1::text IS NULL OR fleet = $1) AND received_at >= $4::timestamptz GROUP BY 1, 2, 3
     ), nm AS (
       SELECT device_id, model_id, model_version AS v, max(near_misses) - min(near_misses) AS near
       FROM telemetry WHERE ($1::text IS NULL OR fleet = $1) AND received_at >= $4::timestamptz GROUP BY 1, 2, 3
     )
     SELECT s.device_id, d.cohort, s.model_id, s.v, s.hours,
       coalesce(det.n, 0)::float8 AS n, coalesce(det.verified, 0)::float8 AS verified,
       coalesce(det.rejected, 0)::float8 AS rejected, coalesce(det.captured, 0)::float8 AS captured,
       coalesce(nm.near, 0)::float8 AS near, det.bins
     FROM span s JOIN devices d ON d.device_id = s.device_id
       LEFT JOIN det ON det.device_id = s.device_id AND det.model_id = s.model_id AND det.v = s.v
       LEFT JOIN nm ON nm.device_id = s.device_id AND nm.model_id = s.model_id AND nm.v = s.v
     WHERE ($3::text[] IS NULL OR s.device_id = ANY($3::text[]))
     ORDER BY s.device_id, s.model_id, s.v`,
    [q.fleet ?? null, verifierThreshold, q.devices ?? null, q.since ?? "-infinity"],
  );
  const rows = r.rows.map((x) => {
    const hist = new Array<number>(BINS).fill(0);
    for (const b of (x.bins as number[] | null) ?? []) hist[Math.max(0, Math.min(BINS - 1, b))]++;
    return {
      device_id: String(x.device_id),
      cohort: String(x.cohort),
      model_id: String(x.model_id),
      v: Number(x.v),
      hours: Number(x.hours),
      n: Number(x.n),
      verified: Number(x.verified),
      rejected: Number(x.rejected),
      captured: Number(x.captured),
      near: Number(x.near),
      hist,
    };
  });
  if (!q.model) return rows;
  return rows.filter((x) => x.model_id === q.model || modelKey(x.model_id, x.v) === q.model);
}

function figures(rows: DeviceVersionRow[]) {
  const sum = (f: (r: DeviceVersionRow) => number) => rows.reduce((a, r) => a + f(r), 0);
  const hours = sum((r) => r.hours);
  const n = sum((r) => r.n);
  const verified = sum((r) => r.verified);
  const rejected = sum((r) => r.rejected);
  const perHour = (x: number) => (hours > 0 ? x / hours : null);
  const hist = new Array<number>(BINS).fill(0);
  for (const r of rows) for (let i = 0; i < BINS; i++) hist[i] += r.hist[i];
  const dph = perHour(n);
  return {
    device_hours: hours,
    detections: n,
    detections_per_hour: dph,
    verified,
    verifier_rejected: rejected,
    fa_per_hour_estimate:
      dph === null ? null : n === 0 ? 0 : verified > 0 ? (dph * rejected) / verified : null,
    near_misses_per_hour: perHour(sum((r) => r.near)),
    captured_near_misses: sum((r) => r.captured),
    score_histogram: hist,
  };
}

/** Quality per cohort and model version (and per device when asked). */
export async function fieldQuality(
  db: Queryable,
  q: QualityQuery,
  verifierThreshold: number | null,
): Promise<QualityReport> {
  const rows = await perDeviceVersion(db, q, verifierThreshold ?? -1);
  const groups = new Map<string, DeviceVersionRow[]>();
  for (const r of rows) {
    const k = `${r.cohort}\u0000${modelKey(r.model_id, r.v)}`;
    const g = groups.get(k) ?? [];
    g.push(r);
    groups.set(k, g);
  }
  const cohorts: QualityRow[] = [...groups.values()].map((g) => ({
    cohort: g[0].cohort,
    model: modelKey(g[0].model_id, g[0].v),
    model_id: g[0].model_id,
    version: g[0].v,
    devices: new Set(g.map((r) => r.device_id)).size,
    ...figures(g),
  }));
  const out: QualityReport = {
    estimator: ESTIMATOR,
    verifier_threshold: verifierThreshold,
    cohorts,
  };
  if (q.perDevice) {
    out.devices = rows.map((r) => ({
      device: r.device_id,
      cohort: r.cohort,
      model: modelKey(r.model_id, r.v),
      model_id: r.model_id,
      version: r.v,
      ...figures([r]),
    }));
  }
  return out;
}

export type CohortFigures = ReturnType<typeof figures> & { devices: number };

/** The same figures over a set of devices (a rollout's cohort), on `model` (any when absent). */
export async function cohortFigures(
  db: Queryable,
  devices: string[],
  model: string | undefined,
  verifierThreshold: number | null,
  since?: string,
): Promise<CohortFigures> {
  const rows = await perDeviceVersion(db, { devices, model, since }, verifierThreshold ?? -1);
  return { devices: new Set(rows.map((r) => r.device_id)).size, ...figures(rows) };
}

export interface TimelinePoint {
  /** Start of the bucket, ISO time (host clock). */
  t: string;
  cohort: string;
  model: string;
  detections: number;
  /** Detections x the bucket's verifier rejection share (detections while none is verified). */
  fa_estimate: number;
}

/** Detections and estimated false accepts per `bucketS` seconds of arrival time. */
export async function qualityTimeline(
  db: Queryable,
  verifierThreshold: number | null,
  bucketS = 60,
  fleet?: string,
): Promise<TimelinePoint[]> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT to_timestamp(floor(extract(epoch FROM x.received_at) / $1) * $1) AS t,
       d.cohort, x.model_id, x.model_version AS v, count(*)::float8 AS n,
       count(*) FILTER (WHERE x.verifier_score >= 0)::float8 AS verified,
       count(*) FILTER (WHERE x.verifier_score >= 0 AND x.verifier_score < $2)::float8 AS rejected
     FROM detections x JOIN devices d ON d.device_id = x.device_id
     WHERE NOT x.near_miss AND ($3::text IS NULL OR x.fleet = $3)
       AND x.received_at > now() - interval '1 day'
     GROUP BY 1, 2, 3, 4 ORDER BY 1`,
    [bucketS, verifierThreshold ?? -1, fleet ?? null],
  );
  return r.rows.map((x) => {
    const n = Number(x.n);
    const verified = Number(x.verified);
    return {
      t: x.t instanceof Date ? x.t.toISOString() : String(x.t),
      cohort: String(x.cohort),
      model: modelKey(String(x.model_id), Number(x.v)),
      detections: n,
      fa_estimate: verified > 0 ? (n * Number(x.rejected)) / verified : n,
    };
  });
}
