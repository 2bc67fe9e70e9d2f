/**
 * Captured feature windows: near misses (scores just under the threshold, sent by devices whose
 * cohort opted in with `setCapture`) and the windows sent with detections. `earshot field
 * export` turns them into a dataset the trainer reads (export.ts).
 */
import type { Queryable } from "../store/driver";
import { modelKey } from "./quality";

export interface CapturedWindow {
  id: number;
  device: string;
  model: string;
  keyword: string;
  score: number;
  nearMiss: boolean;
  verifierScore: number | null;
  receivedAt: string;
}

export async function nearMisses(
  db: Queryable,
  o: { model?: string; limit?: number; fleet?: string },
): Promise<CapturedWindow[]> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT id::float8 AS id, device_id, model_id, model_version, keyword, score, near_miss,
       verifier_score, received_at
     FROM detections WHERE near_miss AND ($1::text IS NULL OR fleet = $1)
       AND ($2::text IS NULL OR model_id = $2 OR model_id || '@v' || model_version = $2)
     ORDER BY id DESC LIMIT $3`,
    [o.fleet ?? null, o.model ?? null, Math.min(Math.max(o.limit ?? 100, 1), 10_000)],
  );
  return r.rows.map((x) => ({
    id: Number(x.id),
    device: String(x.device_id),
    model: modelKey(String(x.model_id), Number(x.model_version)),
    keyword: String(x.keyword),
    score: Number(x.score),
    nearMiss: Boolean(x.near_miss),
    verifierScore: x.verifier_score === null ? null : Number(x.verifier_score),
    receivedAt: x.received_at instanceof Date ? x.received_at.toISOString() : String(x.received_at),
  }));
}

export interface WindowRow {
  id: number;
  device: string;
  keyword: string;
  score: number;
  nearMiss: boolean;
  verifierScore: number | null;
  featureShape: number[];
  featureScale: number;
  /** int8 values as base64 of their two's-complement bytes. */
  features: string;
}

/** Windows of one model (detections and near misses) with their verifier scores. */
export async function windowsOf(
  db: Queryable,
  o: { model: string; fleet?: string; limit?: number },
): Promise<WindowRow[]> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT id::float8 AS id, device_id, keyword, score, near_miss, verifier_score,
       feature_shape, feature_scale, features
     FROM detections WHERE features IS NOT NULL AND feature_scale IS NOT NULL
       AND ($1::text IS NULL OR fleet = $1)
       AND (model_id = $2 OR model_id || '@v' || model_version = $2)
     ORDER BY id LIMIT $3`,
    [o.fleet ?? null, o.model, Math.min(Math.max(o.limit ?? 10_000, 1), 100_000)],
  );
  return r.rows.map((x) => ({
    id: Number(x.id),
    device: String(x.device_id),
    keyword: String(x.keyword),
    score: Number(x.score),
    nearMiss: Boolean(x.near_miss),
    verifierScore: x.verifier_score === null ? null : Number(x.verifier_score),
    featureShape: (x.feature_shape as number[] | null) ?? [],
    featureScale: Number(x.feature_scale),
    features: Buffer.from(x.features as Uint8Array).toString("base64"),
  }));
}
