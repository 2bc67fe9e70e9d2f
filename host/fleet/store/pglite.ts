/**
 * SqlDriver over PGlite: embedded PostgreSQL (wasm) in this process, data in a directory.
 *
 * Memory (measured, Node 20, PGlite 0.5): a service that ran initdb itself idled at ~860 MB,
 * ~500 MB of it initdb's leftovers; reopening an existing database costs ~360 MB, ~125 MB of it
 * PostgreSQL's default 128 MB shared_buffers. So a new database is created in a worker thread
 * that exits, and shared_buffers is 16 MB (a single-writer ingest store does not need more).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

/** PGlite's own start parameters (0.5.x defaults) plus a small buffer cache. */
const START_PARAMS = [
  "--single",
  "-F",
  "-O",
  "-j",
  ...["-c", "search_path=public", "-c", "exit_on_error=false", "-c", "log_checkpoints=false"],
  ...["-c", "max_worker_processes=0", "-c", "max_parallel_workers=0"],
  ...["-c", "max_parallel_workers_per_gather=0", "-c", "io_method=sync"],
  ...["-c", "max_parallel_maintenance_workers=0"],
  ...["-c", "shared_buffers=16MB", "-c", "wal_buffers=1MB", "-c", "temp_buffers=1MB"],
];

/** Runs initdb for `dir` in a worker thread (see the file comment). */
function initInWorker(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./pglite-initdb.mjs", import.meta.url), { workerData: { dir } });
    w.once("error", reject);
    w.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`creating the database in ${dir} failed`)),
    );
  });
}

import type { Queryable, QueryResult, SqlDriver } from "./driver";

function wrap(q: Pick<PGlite, "query">): Queryable {
  return {
    async query<R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
      const r = await q.query<R>(sql, params);
      return { rows: r.rows, affected: r.affectedRows ?? 0 };
    },
  };
}

/** Opens (creating if needed) a PGlite database in `dir`; in memory when dir is undefined. */
export async function openPglite(dir?: string): Promise<SqlDriver> {
  if (dir && !existsSync(join(dir, "PG_VERSION"))) await initInWorker(dir);
  const db = await PGlite.create(dir, { startParams: START_PARAMS });
  const base = wrap(db);
  return {
    describe: dir ? `pglite:${dir}` : "pglite:memory",
    query: base.query,
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    exec: async (sql) => {
      await db.exec(sql);
    },
    close: () => db.close(),
  };
}
