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
      throw Object.assign(
        new Error(`invalid device id ${JSON.stringify(d)}: want 1..64 of A-Z a-z 0-9 . _ -`),
        { expected: true },
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
    throw Object.assign(new Error(why), { expected: true });
  }
  chmodSync(file, 0o600);
}

export function writeCredentialsJson(file: string, creds: Credentials): void {
  writeFileSync(file, `${JSON.stringify(Object.fromEntries(creds), null, 2)}\n`, { mode: 0o600 });
}

const bad = (msg: string) => Object.assign(new Error(msg), { expected: true });

/** Reads credentials.json (an object of username -> password), naming the problem in one line. */
export function readCredentialsJson(file: string): Credentials {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw bad(`cannot read credentials file ${file}: ${code}`);
    v = undefined;
  }
  const ok =
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every((p) => typeof p === "string" && p.length > 0);
  if (!ok) {
    throw bad(
      `--credentials ${file} is not a credentials.json (an object of device id -> password, from \`earshot fleet credentials\` or \`fleet broker-config\`)`,
    );
  }
  return new Map(Object.entries(v as Record<string, string>));
}

/**
 * Adds `devices` (with new random passwords) and the service account to the credentials file,
 * creating it (mode 0600) when missing; existing entries keep their passwords.
 */
export function provisionCredentials(file: string, devices: string[]): Credentials {
  const creds: Credentials = existsSync(file) ? readCredentialsJson(file) : new Map();
  const fresh = generateCredentials(devices);
  for (const [u, p] of fresh) if (!creds.has(u)) creds.set(u, p);
  mkdirSync(dirname(file), { recursive: true });
  writeCredentialsJson(file, creds);
  chmodSync(file, 0o600);
  return creds;
}
