/**
 * `earshot fleet broker-config`: everything a mosquitto needs for a fleet, in one directory:
 * mosquitto.conf, a hashed password file (mosquitto_passwd), the ACL, and credentials.json
 * (username -> password, for provisioning devices and the service URL). Mode 0600 for secrets.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { mosquittoAcl, SERVICE_USER } from "./acl";
import { generateCredentials, writeCredentialsJson, writeMosquittoPasswd } from "./credentials";
import { mosquittoConf } from "./mosquitto";

export interface BrokerConfigOptions {
  out: string;
  devices: string[];
  /** The fleet every device of this config belongs to (its ACL section names it). */
  fleet: string;
  port: number;
  bind?: string;
  /** `user` line: the account mosquitto runs as when started by root (default mosquitto). */
  runAsUser?: string;
}

export interface BrokerConfigResult {
  dir: string;
  conf: string;
  passwordFile: string;
  aclFile: string;
  credentials: string;
  /** The service account's password alone, for `fleet serve --mqtt-password-file`. */
  servicePasswordFile: string;
  devices: number;
  serviceUrl: string;
}

export function writeBrokerConfig(o: BrokerConfigOptions): BrokerConfigResult {
  const dir = resolve(o.out);
  mkdirSync(join(dir, "data"), { recursive: true });
  const creds = generateCredentials(o.devices);
  const passwordFile = join(dir, "passwd");
  const aclFile = join(dir, "acl");
  const credentials = join(dir, "credentials.json");
  writeMosquittoPasswd(passwordFile, creds);
  writeFileSync(aclFile, mosquittoAcl(o.devices.map((id) => ({ id, fleet: o.fleet }))));
  writeCredentialsJson(credentials, creds);
  const servicePasswordFile = join(dir, "service.password");
  writeFileSync(servicePasswordFile, `${creds.get(SERVICE_USER)}\n`, { mode: 0o600 });
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    mosquittoConf({
      port: o.port,
      bind: o.bind,
      passwordFile,
      aclFile,
      persistenceDir: join(dir, "data"),
      runAsUser: o.runAsUser,
    }),
  );
  const host = o.bind && o.bind !== "0.0.0.0" ? o.bind : "127.0.0.1";
  return {
    dir,
    conf,
    passwordFile,
    aclFile,
    credentials,
    servicePasswordFile,
    devices: o.devices.length,
    serviceUrl: `mqtt://${SERVICE_USER}@${host}:${o.port}`,
  };
}
