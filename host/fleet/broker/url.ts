/**
 * The external broker's URL, checked before anything connects (MQTT.js would throw "Missing
 * protocol" or retry forever), and the service's password, which never travels in argv.
 */
import { readFileSync } from "node:fs";
import { FleetError } from "../errors";

export const MQTT_PASSWORD_ENV = "EARSHOT_MQTT_PASSWORD";
const SCHEMES = ["mqtt:", "mqtts:", "tcp:", "tls:", "ws:", "wss:"];

export function checkBrokerUrl(url: string, flag = "--mqtt-url"): URL {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  if (!u || !SCHEMES.includes(u.protocol) || u.hostname === "") {
    throw new FleetError(
      `${flag} ${JSON.stringify(url)} is not a broker URL (want mqtt://HOST:PORT, mqtts://, ws:// or wss://)`,
    );
  }
  return u;
}

const bad = (msg: string) => new FleetError(msg);

/**
 * `--mqtt-url` plus the password from EARSHOT_MQTT_PASSWORD or `--mqtt-password-file`. A password
 * inside the URL is refused: every user of the machine reads it in `ps`.
 */
export function serviceMqttUrl(url: string, passwordFile?: string): string {
  const u = checkBrokerUrl(url);
  if (u.password) {
    throw bad(
      `--mqtt-url carries a password, which \`ps\` shows to every user: give it with --mqtt-password-file FILE or ${MQTT_PASSWORD_ENV}`,
    );
  }
  let password = process.env[MQTT_PASSWORD_ENV];
  if (!password && passwordFile) {
    try {
      password = readFileSync(passwordFile, "utf8").trim();
    } catch (e) {
      throw bad(
        `cannot read --mqtt-password-file ${passwordFile}: ${(e as NodeJS.ErrnoException).code}`,
      );
    }
    if (!password) throw bad(`--mqtt-password-file ${passwordFile} is empty`);
  }
  if (password) u.password = encodeURIComponent(password);
  return u.toString();
}
