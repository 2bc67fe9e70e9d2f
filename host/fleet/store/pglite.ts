/** SqlDriver over PGlite: embedded PostgreSQL (wasm) in this process, data in a directory. */
import { PGlite } from "@electric-sql/pglite";
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
  const db = await PGlite.create(dir);
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
