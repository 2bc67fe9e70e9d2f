/**
 * OTA artifacts (host side): the model file, its manifest, the Ed25519 signature over the
 * manifest's exact encoded bytes, and the chunk messages. Devices verify the signature, then the
 * SHA-256 of the assembled bytes, before activation (device/ota/updater.ts).
 */
import { createHash, type KeyObject } from "node:crypto";
import { decodeMessage, encodeMessage } from "../codec";
import { protocolError } from "../errors";
import type { Manifest, OtaChunk, OtaOffer } from "../messages";
import { signBytes, verifyBytes } from "./keys";

/** Largest chunk a chunk message can carry (the otaChunk.data max). */
export const MAX_CHUNK_SIZE = 4096;
export const DEFAULT_CHUNK_SIZE = 1024;

export interface ArtifactOptions {
  modelId: string;
  /** The fleet it is for: the signature binds it, devices of other fleets refuse it. */
  fleet: string;
  /** Must exceed every version this fleet's devices have run: devices refuse <= active. */
  version: number;
  minRuntime: string;
  threshold: number;
  smoothing: number;
  chunkSize?: number;
  createdMs?: number;
  keyId?: string;
}

export interface Artifact {
  manifest: Manifest;
  /** Encoded manifest message: exactly what is signed. */
  manifestBytes: Uint8Array;
  signature: Uint8Array;
  offer: OtaOffer;
  model: Uint8Array;
}

export function sha256(bytes: Uint8Array): number[] {
  return [...createHash("sha256").update(bytes).digest()];
}

export function chunkCount(m: Pick<Manifest, "size" | "chunkSize">): number {
  return Math.ceil(m.size / m.chunkSize);
}

/** Build and sign an artifact. `model` is the device model file, opaque here. */
export function buildArtifact(
  model: Uint8Array,
  opts: ArtifactOptions,
  privateKey: KeyObject | string,
): Artifact {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw protocolError("invalid", `chunk size must be 1..${MAX_CHUNK_SIZE}`, "chunkSize", -1);
  }
  if (model.length === 0) throw protocolError("invalid", "model file is empty", "size", -1);
  const manifest: Manifest = {
    modelId: opts.modelId,
    version: opts.version,
    size: model.length,
    sha256: sha256(model),
    chunkSize,
    minRuntime: opts.minRuntime,
    threshold: opts.threshold,
    smoothing: opts.smoothing,
    createdMs: opts.createdMs ?? Date.now(),
    fleet: opts.fleet,
  };
  if (opts.keyId !== undefined) manifest.keyId = opts.keyId;
  const manifestBytes = new Uint8Array(encodeMessage("manifest", manifest));
  const signature = signBytes(manifestBytes, privateKey);
  return {
    manifest: decodeMessage("manifest", [...manifestBytes]), // f32 fields as the device sees them
    manifestBytes,
    signature,
    offer: { manifest: [...manifestBytes], signature: [...signature] },
    model,
  };
}

/** Chunk message `index` of an artifact. */
export function chunkOf(a: Artifact, index: number): OtaChunk {
  const n = chunkCount(a.manifest);
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw protocolError("range", `chunk index ${index} outside 0..${n - 1}`, "index", -1);
  }
  const start = index * a.manifest.chunkSize;
  const data = a.model.subarray(start, Math.min(start + a.manifest.chunkSize, a.model.length));
  return { modelId: a.manifest.modelId, version: a.manifest.version, index, data: [...data] };
}

/** All chunk messages in order. */
export function chunksOf(a: Artifact): OtaChunk[] {
  const out: OtaChunk[] = [];
  for (let i = 0; i < chunkCount(a.manifest); i++) out.push(chunkOf(a, i));
  return out;
}

/**
 * The chunks answering a device's ota/req for this artifact (indices out of range or a request
 * for another model/version give nothing: the device asks again after the next offer).
 */
export function chunksForRequest(
  a: Artifact,
  req: { modelId: string; version: number; missing: number[] },
): OtaChunk[] {
  if (req.modelId !== a.manifest.modelId || req.version !== a.manifest.version) return [];
  const n = chunkCount(a.manifest);
  const out: OtaChunk[] = [];
  for (const i of req.missing) if (i < n) out.push(chunkOf(a, i));
  return out;
}

/**
 * Host-side check of an offer (what a device does first): the signature over the manifest bytes
 * under `publicKey`, then the manifest itself. Throws ProtocolError (code "signature") if forged.
 */
export function verifyOffer(offer: OtaOffer, publicKey: KeyObject): Manifest {
  if (!verifyBytes(Uint8Array.from(offer.manifest), Uint8Array.from(offer.signature), publicKey)) {
    throw protocolError("signature", "OTA manifest signature does not verify", "signature", -1);
  }
  return decodeMessage("manifest", offer.manifest);
}

const ARTIFACT_MAGIC = [0x45, 0x4f, 0x54, 0x41]; // "EOTA"

/**
 * One-file form of an artifact, for `earshot ota publish` and the fleet store:
 *   "EOTA" | u32 LE length of the encoded otaOffer | otaOffer payload | model file bytes.
 */
export function encodeArtifactFile(a: Artifact): Uint8Array {
  const offer = encodeMessage("otaOffer", a.offer);
  const out = new Uint8Array(8 + offer.length + a.model.length);
  out.set(ARTIFACT_MAGIC, 0);
  new DataView(out.buffer).setUint32(4, offer.length, true);
  out.set(offer, 8);
  out.set(a.model, 8 + offer.length);
  return out;
}

/** Parse and fully verify an artifact file (signature, size, SHA-256) under `publicKey`. */
export function decodeArtifactFile(bytes: Uint8Array, publicKey: KeyObject): Artifact {
  if (bytes.length < 8 || ARTIFACT_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw protocolError("artifact", "not an earshot OTA artifact (magic EOTA)", "magic", 0);
  }
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + n > bytes.length)
    throw protocolError("truncated", "artifact offer runs past the end", "offer", 4);
  const offer = decodeMessage("otaOffer", bytes.subarray(8, 8 + n) as unknown as number[]);
  const manifest = verifyOffer(offer, publicKey);
  const model = bytes.slice(8 + n);
  if (model.length !== manifest.size) {
    throw protocolError(
      "artifact",
      `model is ${model.length} bytes, manifest says ${manifest.size}`,
      "size",
      8 + n,
    );
  }
  const digest = sha256(model);
  if (digest.some((b, i) => b !== manifest.sha256[i])) {
    throw protocolError("artifact", "model SHA-256 differs from the manifest", "sha256", 8 + n);
  }
  return {
    manifest,
    manifestBytes: Uint8Array.from(offer.manifest),
    signature: Uint8Array.from(offer.signature),
    offer,
    model,
  };
}
