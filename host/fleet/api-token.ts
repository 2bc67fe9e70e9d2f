/**
 * The bearer token of the service's HTTP API. Every route (the JSON API and /metrics) wants
 * `Authorization: Bearer TOKEN`. The token comes from EARSHOT_API_TOKEN, else from a file that
 * the first `fleet serve` creates (random, mode 0600) and the CLI's clients (`ota publish`,
 * `ota status`) read, so that nothing secret sits in argv.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { FleetError } from "./errors";

export const API_TOKEN_ENV = "EARSHOT_API_TOKEN";
export const DEFAULT_TOKEN_FILE = ".earshot/api-token";

export interface ApiToken {
  token: string;
  /** Where it came from, for the startup banner (never the token itself). */
  source: string;
}

export function newApiToken(): string {
  return randomBytes(24).toString("base64url");
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

/** The service's token: the environment's, or the file's, creating the file when missing. */
export function serviceApiToken(file = DEFAULT_TOKEN_FILE): ApiToken {
  const env = process.env[API_TOKEN_ENV];
  if (env) return { token: env, source: `$${API_TOKEN_ENV}` };
  if (!existsSync(file)) {
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${newApiToken()}\n`, { mode: 0o600, flag: "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST")
        throw bad(`cannot create API token file ${file}: ${(e as NodeJS.ErrnoException).code}`);
    }
  }
  return { token: readTokenFile(file), source: file };
}

/** A client's token: the environment's, else the file's (which must exist). */
export function clientApiToken(file = DEFAULT_TOKEN_FILE): string {
  return process.env[API_TOKEN_ENV] || readTokenFile(file);
}

/** Whether an Authorization header carries `token` (constant-time compare). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? "");
  if (!m) return false;
  const a = Buffer.from(m[1]);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
