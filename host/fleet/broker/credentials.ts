/**
 * Per-device MQTT credentials for mosquitto: random passwords, written as a mosquitto password
 * file (hashed by `mosquitto_passwd -U`, Debian package mosquitto) plus a JSON map
 * username -> password for provisioning the devices. Both files are created mode 0600.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { isValidId } from "../../../protocol/topics";
import { FleetError } from "../errors";
import { SERVICE_USER } from "./acl";

export type Credentials = Map<string, string>;

export function newPassword(): string {
  return randomBytes(18).toString("base64url");
}

/** Credentials for `devices` plus the service account. */
export function generateCredentials(devices: string[]): Credentials {
  const out: Credentials = new Map([[SERVICE_USER, newPassword()]]);
  for (const d of devices) {
    if (!isValidId(d)) {
      throw new FleetError(
        `invalid device id ${JSON.stringify(d)}: want 1..64 of A-Z a-z 0-9 . _ -`,
      );
    }
    out.set(d, newPassword());
  }
  return out;
}

function mosquittoPasswdBin(): string {
  return process.env.MOSQUITTO_PASSWD ?? "mosquitto_passwd";
}

/** Writes a hashed mosquitto password file (one `mosquitto_passwd -U` run for all users). */
export function writeMosquittoPasswd(file: string, creds: Credentials): void {
  writeFileSync(file, [...creds].map(([u, p]) => `${u}:${p}\n`).join(""), { mode: 0o600 });
  try {
    execFileSync(mosquittoPasswdBin(), ["-U", file], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    const why =
      err.code === "ENOENT"
        ? "mosquitto_passwd not found (install the Debian package mosquitto)"
        : `mosquitto_passwd failed: ${err.stderr?.toString().trim() || err.message}`;
    writeFileSync(file, ""); // never leave plain-text passwords behind
    throw new FleetError(why);
  }
  chmodSync(file, 0o600);
}

export function writeCredentialsJson(file: string, creds: Credentials): void {
  writeFileSync(file, `${JSON.stringify(Object.fromEntries(creds), null, 2)}\n`, { mode: 0o600 });
}

const bad = (msg: string) => new FleetError(msg);

/**
 * One login in credentials.json: a plain password (`fleet broker-config`; the mosquitto ACL
 * names the fleet), or `{ password, fleet }` (`fleet credentials --fleet`), which binds the
 * device to its fleet on the embedded broker.
 */
type Entry = string | { password: string; fleet?: string };

function isEntry(v: unknown): v is Entry {
  if (typeof v === "string") return v.length > 0;
  if (typeof v !== "object" || v === null) return false;
  const e = v as { password?: unknown; fleet?: unknown };
  return (
    typeof e.password === "string" &&
    e.password.length > 0 &&
    (e.fleet === undefined || (typeof e.fleet === "string" && isValidId(e.fleet)))
  );
}

function readEntries(file: string): Map<string, Entry> {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw bad(`cannot read credentials file ${file}: ${code}`);
    v = undefined;
  }
  const ok =
    typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every(isEntry);
  if (!ok) {
    throw bad(
      `--credentials ${file} is not a credentials.json (an object of device id -> password, from \`earshot fleet credentials\` or \`fleet broker-config\`)`,
    );
  }
  return new Map(Object.entries(v as Record<string, Entry>));
}

/** Reads credentials.json: username -> password, naming the problem in one line. */
export function readCredentialsJson(file: string): Credentials {
  const out: Credentials = new Map();
  for (const [u, e] of readEntries(file)) out.set(u, typeof e === "string" ? e : e.password);
  return out;
}

/** The fleet each bound device belongs to (devices given as `{ password, fleet }`). */
export function readDeviceFleets(file: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [u, e] of readEntries(file)) if (typeof e !== "string" && e.fleet) out.set(u, e.fleet);
  return out;
}

/**
 * Adds `devices` (new random passwords; bound to `fleet` when given) and the service account to
 * the credentials file, creating it (mode 0600) when missing; existing entries stay as they are.
 */
export function provisionCredentials(file: string, devices: string[], fleet?: string): Credentials {
  if (fleet !== undefined && !isValidId(fleet))
    throw bad(`invalid fleet id ${JSON.stringify(fleet)}`);
  const entries = existsSync(file) ? readEntries(file) : new Map<string, Entry>();
  for (const [u, p] of generateCredentials(devices)) {
    if (entries.has(u)) continue;
    entries.set(u, fleet !== undefined && u !== SERVICE_USER ? { password: p, fleet } : p);
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return readCredentialsJson(file);
}
