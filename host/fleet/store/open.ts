/** Opens the store a command asked for: PostgreSQL with --pg URL, else PGlite in --db DIR. */
import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { FleetError } from "../errors";
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
    throw new FleetError("give either --db DIR or --pg URL, not both");
  }
  if (opts.pg) return SqlStore.open(await openPostgres(opts.pg));
  if (opts.db) checkWritableDir(opts.db);
  return SqlStore.open(await openPglite(opts.db));
}

/** PGlite does not report an unusable directory: it waits forever. So check first. */
function checkWritableDir(dir: string): void {
  try {
    const abs = resolve(dir);
    const missing: string[] = [];
    for (let d = abs; !existsSync(d); d = dirname(d)) missing.unshift(d);
    // One level at a time: Node 20's recursive mkdir loops forever under /proc.
    for (const d of missing) mkdirSync(d);
    if (!statSync(abs).isDirectory()) throw Object.assign(new Error(), { code: "ENOTDIR" });
    accessSync(abs, constants.W_OK | constants.X_OK);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new FleetError(`--db ${dir} is not a writable directory (${why})`);
  }
}
