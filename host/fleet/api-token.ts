/**
 * The bearer token of the service's HTTP API. Every route (the JSON API and /metrics) wants
 * `Authorization: Bearer TOKEN`. The token comes from EARSHOT_TOKEN (or the older
 * EARSHOT_API_TOKEN), else from a file that
 * the first `fleet serve` creates (random, mode 0600) and the CLI's clients (`ota publish`,
 * `ota status`) read, so that nothing secret sits in argv.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export const API_TOKEN_ENV = "EARSHOT_API_TOKEN";
/** What the CLI's clients read first (EARSHOT_API_TOKEN is the older name, still read). */
export const TOKEN_ENV = "EARSHOT_TOKEN";
export const DEFAULT_TOKEN_FILE = ".earshot/api-token";

export interface ApiToken {
  token: string;
  /** Where it came from, for the startup banner (never the token itself). */
  source: string;
  /** True when this start created it: the banner prints it this once. */
  created: boolean;
}

export function newApiToken(): string {
  return randomBytes(24).toString("base64url");
}

const bad = (msg: string) => Object.assign(new Error(msg), { expected: true });

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

/** The service's token: the environment's, or the file's, creating the file when missing. */
export function serviceApiToken(file = DEFAULT_TOKEN_FILE): ApiToken {
  for (const name of [TOKEN_ENV, API_TOKEN_ENV]) {
    const env = process.env[name];
    if (env) return { token: env, source: `$${name}`, created: false };
  }
  let created = false;
  if (!existsSync(file)) {
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${newApiToken()}\n`, { mode: 0o600, flag: "wx" });
      created = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST")
        throw bad(`cannot create API token file ${file}: ${(e as NodeJS.ErrnoException).code}`);
    }
  }
  return { token: readTokenFile(file), source: file, created };
}

/** A client's token: the environment's, else the file's (which must exist). */
export function clientApiToken(file = DEFAULT_TOKEN_FILE): string {
  return process.env[TOKEN_ENV] || process.env[API_TOKEN_ENV] || readTokenFile(file);
}

/** Whether an Authorization header carries `token` (constant-time compare). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? "");
  if (!m) return false;
  const a = Buffer.from(m[1]);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
