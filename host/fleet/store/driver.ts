/**
 * The little a SQL store needs from a PostgreSQL connection: parameterized queries and
 * transactions. PGlite and node-postgres both fit behind it (pglite.ts, pg.ts).
 */
export interface QueryResult<R> {
  rows: R[];
  /** Rows inserted/updated/deleted by the statement. */
  affected: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
}

export interface SqlDriver extends Queryable {
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
  /** Short description for logs ("pglite:/path", "postgres://host/db"). */
  readonly describe: string;
}
