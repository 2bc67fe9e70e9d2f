/**
 * The body of POST /api/ota/publish: a signed artifact (manifest bytes + signature + model) and
 * its targets. Signing happens in the CLI, which holds the private key; the service checks the
 * signature against the public keys it trusts, and that the artifact was signed for the fleet it
 * is published to, before it stores or offers anything.
 */

import type { KeyObject } from "node:crypto";
import { z } from "zod";
import { decodeMessage } from "../../protocol/codec";
import type { Manifest } from "../../protocol/messages";
import { sha256 } from "../../protocol/ota/artifact";
import { verifyBytes } from "../../protocol/ota/keys";
import { isValidId } from "../../protocol/topics";
import { OtaError } from "./errors";

const hex = z.string().regex(/^([0-9a-f]{2})*$/, "hex");
const id = z.string().refine(isValidId, "invalid id");

export const PublishRequest = z.object({
  fleet: id,
  /** Absent: the whole fleet (retained offer on the fleet topic). */
  devices: z.array(id).min(1).max(100_000).optional(),
  manifest: hex,
  signature: hex,
  model: z.string().base64(),
});
export type PublishRequest = z.infer<typeof PublishRequest>;

export interface CheckedPublish {
  req: PublishRequest;
  manifest: Manifest;
  manifestBytes: Uint8Array;
  signature: Uint8Array;
  model: Uint8Array;
}

const bad = (msg: string) => new OtaError(msg);

/** Parses and cross-checks a publish request; throws an expected error naming the problem. */
export function checkPublish(body: unknown, trusted: KeyObject[]): CheckedPublish {
  const parsed = PublishRequest.safeParse(body);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw bad(`publish request: ${i.path.join(".") || "body"}: ${i.message}`);
  }
  const req = parsed.data;
  const manifestBytes = new Uint8Array(Buffer.from(req.manifest, "hex"));
  const signature = new Uint8Array(Buffer.from(req.signature, "hex"));
  const model = new Uint8Array(Buffer.from(req.model, "base64"));
  const manifest = decodeMessage("manifest", [...manifestBytes]);
  if (signature.length !== 64) throw bad("publish request: signature must be 64 bytes");
  if (trusted.length === 0) {
    throw bad(
      "the service trusts no OTA key: start `fleet serve --ota-public-key ota-keys/ota-signing.pub.bin`",
    );
  }
  if (!trusted.some((k) => verifyBytes(manifestBytes, signature, k))) {
    throw bad("publish request: signature does not verify with the service's OTA public key");
  }
  if (manifest.fleet !== req.fleet) {
    throw bad(`publish request: artifact is signed for fleet ${manifest.fleet}, not ${req.fleet}`);
  }
  if (manifest.size !== model.length) {
    throw bad(`publish request: model is ${model.length} bytes, manifest says ${manifest.size}`);
  }
  if (Buffer.compare(Buffer.from(sha256(model)), Buffer.from(manifest.sha256)) !== 0) {
    throw bad("publish request: model SHA-256 does not match the manifest");
  }
  return { req, manifest, manifestBytes, signature, model };
}
