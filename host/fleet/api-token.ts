/**
 * The bearer token of the service's HTTP API. Every route (the JSON API, /metrics, the
 * dashboard) wants `Authorization: Bearer TOKEN` (or the dashboard's session). The service's
 * token comes from EARSHOT_TOKEN (or the older EARSHOT_API_TOKEN); else the first `fleet serve`
 * of a database creates one, prints it once, and keeps only its SHA-256: in the database
 * (storedApiToken), or with --api-token-file in that file (`sha256:HEX`, mode 0600). The CLI's clients read EARSHOT_TOKEN; a token file written by an earlier version
 * (the token itself) is still accepted by both sides. Nothing secret sits in argv.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { FleetError } from "./errors";
import type { Queryable } from "./store/driver";

export const API_TOKEN_ENV = "EARSHOT_API_TOKEN";
/** What the CLI's clients read first (EARSHOT_API_TOKEN is the older name, still read). */
export const TOKEN_ENV = "EARSHOT_TOKEN";
export const DEFAULT_TOKEN_FILE = ".earshot/api-token";
const HASH_PREFIX = "sha256:";

export interface ApiToken {
  /** SHA-256 of the token, hex: what requests are checked against. */
  hash: string;
  /** The token itself when this process knows it (environment, or created now). */
  token?: string;
  /** Where it came from, for the startup banner (never the token itself). */
  source: string;
  /** True when this start created it: the banner prints it this once. */
  created: boolean;
}

export function newApiToken(): string {
  return randomBytes(24).toString("base64url");
}

export function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

const bad = (msg: string) => new FleetError(msg);

function readTokenFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch (e) {
    throw bad(`cannot read API token file ${file}: ${(e as NodeJS.ErrnoException).code}`);
  }
  if (text.length < 16) throw bad(`API token file ${file} holds no token (16+ characters)`);
  return text;
}

function fromEnv(): { token: string; name: string } | undefined {
  for (const name of [TOKEN_ENV, API_TOKEN_ENV]) {
    const token = process.env[name];
    if (token) return { token, name };
  }
  return undefined;
}

/** The service's token: the environment's, or the file's, creating the file when missing. */
export function serviceApiToken(file = DEFAULT_TOKEN_FILE): ApiToken {
  const env = fromEnv();
  if (env)
    return { hash: tokenHash(env.token), token: env.token, source: `$${env.name}`, created: false };
  if (!existsSync(file)) {
    const token = newApiToken();
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${HASH_PREFIX}${tokenHash(token)}\n`, { mode: 0o600, flag: "wx" });
      return { hash: tokenHash(token), token, source: file, created: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST")
        throw bad(`cannot create API token file ${file}: ${(e as NodeJS.ErrnoException).code}`);
    }
  }
  const text = readTokenFile(file);
  if (text.startsWith(HASH_PREFIX)) {
    const hash = text.slice(HASH_PREFIX.length);
    if (!/^[0-9a-f]{64}$/.test(hash))
      throw bad(`API token file ${file}: malformed ${HASH_PREFIX} line`);
    return { hash, source: file, created: false };
  }
  return { hash: tokenHash(text), token: text, source: file, created: false }; // an older plain file
}

/**
 * The token kept with the service's data (table api_token): created, with its hash stored, by
 * the first start of a database; later starts read the hash. Concurrent starters agree (one row).
 */
export async function storedApiToken(db: Queryable): Promise<ApiToken> {
  const token = newApiToken();
  const ins = await db.query(
    "INSERT INTO api_token (id, hash) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
    [tokenHash(token)],
  );
  if (ins.affected === 1)
    return { hash: tokenHash(token), token, source: "the database", created: true };
  const r = await db.query<{ hash: string }>("SELECT hash FROM api_token WHERE id = 1");
  return { hash: r.rows[0].hash, source: "the database", created: false };
}

/** A client's token: the environment's, else a token file holding the token itself. */
export function clientApiToken(file = DEFAULT_TOKEN_FILE): string {
  const env = fromEnv();
  if (env) return env.token;
  if (!existsSync(file))
    throw bad(
      `no API token: set ${TOKEN_ENV} to the token \`earshot fleet serve\` printed when it created it`,
    );
  const text = readTokenFile(file);
  if (text.startsWith(HASH_PREFIX))
    throw bad(
      `${file} holds only the API token's hash: set ${TOKEN_ENV} to the token \`earshot fleet serve\` printed when it created it`,
    );
  return text;
}

/** Whether `presented` (a token) hashes to `hash` (constant-time compare). */
export function tokenMatches(presented: string, hash: string): boolean {
  const a = Buffer.from(tokenHash(presented), "hex");
  const b = Buffer.from(hash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether an Authorization header carries the token whose hash is `hash`. */
export function bearerMatches(header: string | undefined, hash: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? "");
  return m !== null && tokenMatches(m[1], hash);
}
