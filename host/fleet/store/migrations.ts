/**
 * Schema migrations: numbered SQL files in migrations/ (NNN_name.sql), applied in order, each in
 * its own transaction, recorded in schema_migrations. An advisory lock serializes concurrent
 * starters (several ingest workers on one PostgreSQL).
 */
import { readdirSync, readFileSync } from "node:fs";
import type { SqlDriver } from "./driver";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
// Arbitrary constant shared by every earshot process: "earshot" in ASCII, truncated.
const LOCK_KEY = 0x65617273;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function listMigrations(): Migration[] {
  const out: Migration[] = [];
  for (const file of readdirSync(MIGRATIONS_DIR).sort()) {
    const m = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) continue;
    out.push({
      version: Number(m[1]),
      name: m[2],
      sql: readFileSync(new URL(file, MIGRATIONS_DIR), "utf8"),
    });
  }
  out.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`migration ${m.version} out of sequence (want ${i + 1})`);
  });
  return out;
}

/** Applies pending migrations; returns the versions applied now. */
export async function migrate(db: SqlDriver): Promise<number[]> {
  await db.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version integer PRIMARY KEY, name text NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  const applied: number[] = [];
  for (const m of listMigrations()) {
    const done = await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
      const have = await tx.query("SELECT 1 FROM schema_migrations WHERE version = $1", [
        m.version,
      ]);
      if (have.rows.length > 0) return false;
      for (const stmt of splitStatements(m.sql)) await tx.query(stmt);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        m.version,
        m.name,
      ]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}

/** Splits a migration on top-level semicolons (our SQL has no functions or quoted ';'). */
function splitStatements(sql: string): string[] {
  return sql
    .split("\n")
    .filter((l) => !l.trimStart().startsWith("--"))
    .join("\n")
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
