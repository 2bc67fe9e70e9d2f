/**
 * `earshot ota keygen`: an Ed25519 key pair for signing artifacts (protocol/ota/keys). The
 * private key stays on the host (mode 0600); devices are provisioned with the raw public key.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateSigningKeys, loadPrivateKey } from "../../protocol/ota/keys";
import { OtaError } from "./errors";

export const DEFAULT_KEY_DIR = "ota-keys";
export const PRIVATE_KEY_FILE = "ota-signing.key";

export interface KeygenResult {
  keyId: string;
  privateKey: string;
  publicKeyPem: string;
  publicKeyRaw: string;
  /** Raw public key, hex: what a device carries. */
  publicKeyHex: string;
}

export function keygen(dir: string, force = false): KeygenResult {
  mkdirSync(dir, { recursive: true });
  const privateKey = join(dir, PRIVATE_KEY_FILE);
  if (existsSync(privateKey) && !force) {
    throw new OtaError(
      `${privateKey} exists; devices trust its public key (use --force to replace it)`,
    );
  }
  const k = generateSigningKeys();
  writeFileSync(privateKey, k.privateKeyPem, { mode: 0o600 });
  const publicKeyPem = join(dir, "ota-signing.pub");
  const publicKeyRaw = join(dir, "ota-signing.pub.bin");
  writeFileSync(publicKeyPem, k.publicKeyPem);
  writeFileSync(publicKeyRaw, k.publicKeyRaw);
  return {
    keyId: k.keyId,
    privateKey,
    publicKeyPem,
    publicKeyRaw,
    publicKeyHex: Buffer.from(k.publicKeyRaw).toString("hex"),
  };
}

export function loadSigningKey(file: string) {
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch {
    throw new OtaError(`cannot read signing key ${file} (create one with \`earshot ota keygen\`)`);
  }
  return loadPrivateKey(pem);
}
