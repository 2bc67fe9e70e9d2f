/**
 * Test databases: a fresh PGlite in memory, or a fresh database with a random name on the local
 * PostgreSQL server (EARSHOT_TEST_PG, default postgres://postgres@127.0.0.1:5432/postgres),
 * dropped again by `drop()`.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openStore } from "../../host/fleet/store/open";
import type { SqlStore } from "../../host/fleet/store/sql-store";

export const PG_ADMIN_URL =
  process.env.EARSHOT_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDb {
  kind: "pglite" | "postgres";
  /** Options for openStore (and `--db`/`--pg` on the CLI). */
  opts: { db?: string; pg?: string };
  drop(): Promise<void>;
}

export async function createPostgresDb(): Promise<TestDb> {
  const name = `earshot_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    kind: "postgres",
    opts: { pg: url.toString() },
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** PGlite in a directory (so a "service restart" can reopen it), removed by drop(). */
export async function createPgliteDb(dir: string): Promise<TestDb> {
  const { rm } = await import("node:fs/promises");
  return {
    kind: "pglite",
    opts: { db: dir },
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

export const STORE_KINDS = ["pglite", "postgres"] as const;

export async function createDb(kind: (typeof STORE_KINDS)[number], dir: string): Promise<TestDb> {
  return kind === "postgres" ? createPostgresDb() : createPgliteDb(dir);
}

export async function openTestStore(db: TestDb): Promise<SqlStore> {
  return openStore(db.opts);
}
