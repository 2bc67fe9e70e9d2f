/**
 * Remote calibration: a threshold per device (or one per cohort/fleet) from field score
 * distributions. A detection at threshold t0 with smoothed score s would still have fired at any
 * threshold t <= s, so over the device-hours H the false accepts at t are estimated as the
 * verifier-rejected detections scoring >= t (scaled up by the share of detections not yet
 * verified). The result is the lowest t >= t0 whose estimate meets the target: field data says
 * nothing about scores under t0 except near-miss counts, so calibration raises thresholds (or
 * keeps them), never lowers them below the running one.
 */
import type { Queryable } from "../store/driver";

export interface FieldScore {
  score: number;
  /** The verifier rejected it (null: not verified). */
  rejected: boolean | null;
}

export interface ThresholdChoice {
  threshold: number;
  /** Estimated FA/hour at `threshold`, and at the running threshold. */
  faPerHour: number;
  faPerHourBefore: number;
  deviceHours: number;
  detections: number;
}

function faAt(scores: FieldScore[], t: number, hours: number): number {
  const above = scores.filter((s) => s.score >= t);
  const verified = above.filter((s) => s.rejected !== null);
  const rejected = verified.filter((s) => s.rejected).length;
  if (above.length === 0) return 0;
  const share = verified.length > 0 ? rejected / verified.length : 1; // unverified: assume false
  return (above.length * share) / hours;
}

export function chooseThreshold(
  scores: FieldScore[],
  deviceHours: number,
  current: number,
  target: number,
): ThresholdChoice {
  const before = deviceHours > 0 ? faAt(scores, current, deviceHours) : 0;
  let t = current;
  if (deviceHours > 0 && before > target) {
    const candidates = [...new Set(scores.map((s) => s.score).filter((s) => s > current))].sort(
      (a, b) => a - b,
    );
    t = 1;
    for (const c of candidates) {
      // Just above c: the detection at c no longer fires.
      const next = Math.min(1, c + 1e-6);
      if (faAt(scores, next, deviceHours) <= target) {
        t = next;
        break;
      }
    }
  }
  return {
    threshold: t,
    faPerHour: deviceHours > 0 ? faAt(scores, t, deviceHours) : 0,
    faPerHourBefore: before,
    deviceHours,
    detections: scores.length,
  };
}

export interface CalibrationData {
  devices: { device: string; modelId: string; version: number; hours: number }[];
  scores: (FieldScore & { device: string })[];
}

/** Detection scores and device-hours of the chosen devices on the model version they run now. */
export async function calibrationData(
  db: Queryable,
  fleet: string,
  verifierThreshold: number | null,
  o: { device?: string; cohort?: string },
): Promise<CalibrationData> {
  const devs = await db.query<Record<string, unknown>>(
    `SELECT d.device_id, d.model_id, d.model_version,
       (SELECT (max(ms) - min(ms))::float8 / 3600000 FROM (
          SELECT device_ms AS ms FROM telemetry t WHERE t.device_id = d.device_id
            AND t.model_id = d.model_id AND t.model_version = d.model_version
          UNION ALL SELECT device_ms FROM detections x WHERE x.device_id = d.device_id
            AND x.model_id = d.model_id AND x.model_version = d.model_version
          UNION ALL SELECT device_ms FROM status_history s WHERE s.device_id = d.device_id
            AND s.model_id = d.model_id AND s.model_version = d.model_version) e) AS hours
     FROM devices d WHERE d.fleet = $1 AND d.model_id IS NOT NULL
       AND ($2::text IS NULL OR d.device_id = $2) AND ($3::text IS NULL OR d.cohort = $3)
     ORDER BY d.device_id`,
    [fleet, o.device ?? null, o.cohort ?? null],
  );
  const devices = devs.rows.map((x) => ({
    device: String(x.device_id),
    modelId: String(x.model_id),
    version: Number(x.model_version),
    hours: Number(x.hours ?? 0),
  }));
  const sc = await db.query<Record<string, unknown>>(
    `SELECT x.device_id, x.score, x.verifier_score FROM detections x
     JOIN devices d ON d.device_id = x.device_id AND d.model_id = x.model_id
       AND d.model_version = x.model_version
     WHERE NOT x.near_miss AND x.device_id = ANY($1::text[])`,
    [devices.map((d) => d.device)],
  );
  const vt = verifierThreshold;
  return {
    devices,
    scores: sc.rows.map((x) => {
      const v = x.verifier_score === null ? null : Number(x.verifier_score);
      return {
        device: String(x.device_id),
        score: Number(x.score),
        rejected: v === null || v < 0 || vt === null ? null : v < vt,
      };
    }),
  };
}
