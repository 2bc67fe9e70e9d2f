/** SqlDriver over a PostgreSQL server (node-postgres pool). */
import pg from "pg";
import { FleetError } from "../errors";
import type { Queryable, QueryResult, SqlDriver } from "./driver";

function wrap(q: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
      const r = await q.query(sql, params);
      return { rows: r.rows as R[], affected: r.rowCount ?? 0 };
    },
  };
}

export async function openPostgres(url: string, poolSize = 4): Promise<SqlDriver> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // Fail now, with the server's reason, rather than on the first ingest flush.
  const probe = await pool.connect().catch(async (e: Error) => {
    await pool.end();
    throw new FleetError(`cannot connect to PostgreSQL at ${redact(url)}: ${e.message}`);
  });
  probe.release();
  pool.on("error", () => {
    // Idle client errors (server restart): the pool drops the client and reconnects on demand.
  });
  const base = wrap(pool);
  return {
    describe: redact(url),
    query: base.query,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const out = await fn(wrap(client));
        await client.query("COMMIT");
        return out;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    exec: async (sql) => {
      await pool.query(sql);
    },
    close: () => pool.end(),
  };
}

/** The URL without its password, for logs and errors. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparseable url)";
  }
}
