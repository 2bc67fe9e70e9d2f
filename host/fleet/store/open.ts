/** Opens the store a command asked for: PostgreSQL with --pg URL, else PGlite in --db DIR. */
import { mkdirSync } from "node:fs";
import { openPostgres } from "./pg";
import { openPglite } from "./pglite";
import { SqlStore } from "./sql-store";

export interface StoreOptions {
  /** PGlite data directory (created if missing); in memory when neither option is given. */
  db?: string;
  pg?: string;
}

export async function openStore(opts: StoreOptions): Promise<SqlStore> {
  if (opts.db && opts.pg) {
    throw Object.assign(new Error("give either --db DIR or --pg URL, not both"), {
      expected: true,
    });
  }
  if (opts.pg) return SqlStore.open(await openPostgres(opts.pg));
  if (opts.db) mkdirSync(opts.db, { recursive: true });
  return SqlStore.open(await openPglite(opts.db));
}
