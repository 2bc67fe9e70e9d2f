/**
 * Ed25519 signing keys for OTA artifacts (host side, node:crypto). The host keeps the private
 * key (PKCS#8 PEM); devices carry the 32-byte raw public key. keyId (first 8 bytes of the
 * public key's SHA-256, hex) names the key in manifests so fleets can rotate keys.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { ProtocolError } from "../errors";

export interface SigningKeys {
  privateKeyPem: string;
  publicKeyPem: string;
  /** Raw 32-byte Ed25519 public key, what a device stores. */
  publicKeyRaw: Uint8Array;
  keyId: string;
}

// SubjectPublicKeyInfo DER prefix for Ed25519 (RFC 8410): SEQ { SEQ { OID 1.3.101.112 } BITSTRING }.
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export function keyIdOf(publicKeyRaw: Uint8Array): string {
  return createHash("sha256").update(publicKeyRaw).digest("hex").slice(0, 16);
}

export function generateSigningKeys(): SigningKeys {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return describeKeys(privateKey, publicKey);
}

function describeKeys(privateKey: KeyObject, publicKey: KeyObject): SigningKeys {
  const der = publicKey.export({ format: "der", type: "spki" });
  const raw = new Uint8Array(der.subarray(ED25519_SPKI_PREFIX.length));
  return {
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    publicKeyRaw: raw,
    keyId: keyIdOf(raw),
  };
}

function keyError(what: string): ProtocolError {
  return new ProtocolError("key", what, "key", -1);
}

/** Load a private key PEM (as written by generateSigningKeys); refuses non-Ed25519 keys. */
export function loadPrivateKey(pem: string): SigningKeys & { privateKey: KeyObject } {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw keyError("not a PEM private key");
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw keyError(`signing key is ${key.asymmetricKeyType}, want ed25519`);
  }
  return { ...describeKeys(key, createPublicKey(key)), privateKey: key };
}

/** Public key object from the raw 32 bytes a device carries, or from a PEM. */
export function publicKeyFrom(key: Uint8Array | string): KeyObject {
  try {
    if (typeof key === "string") return createPublicKey(key);
    if (key.length !== 32) throw keyError("raw Ed25519 public key must be 32 bytes");
    return createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(key)]),
      format: "der",
      type: "spki",
    });
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw keyError("not an Ed25519 public key");
  }
}

export function signBytes(message: Uint8Array, privateKey: KeyObject | string): Uint8Array {
  return new Uint8Array(sign(null, message, privateKey));
}

export function verifyBytes(
  message: Uint8Array,
  signature: Uint8Array,
  publicKey: KeyObject,
): boolean {
  if (signature.length !== 64) return false;
  return verify(null, message, publicKey, signature);
}
