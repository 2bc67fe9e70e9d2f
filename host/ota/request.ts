/**
 * The body of POST /api/ota/publish: a signed artifact (manifest bytes + signature + model) and
 * its targets. Signing happens in the CLI, which holds the private key; the service only stores,
 * offers and serves chunks.
 */
import { z } from "zod";
import { decodeMessage } from "../../protocol/codec";
import type { Manifest } from "../../protocol/messages";
import { sha256 } from "../../protocol/ota/artifact";
import { isValidId } from "../../protocol/topics";

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

const bad = (msg: string) => Object.assign(new Error(msg), { expected: true });

/** Parses and cross-checks a publish request; throws an expected error naming the problem. */
export function checkPublish(body: unknown): CheckedPublish {
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
  if (manifest.size !== model.length) {
    throw bad(`publish request: model is ${model.length} bytes, manifest says ${manifest.size}`);
  }
  if (Buffer.compare(Buffer.from(sha256(model)), Buffer.from(manifest.sha256)) !== 0) {
    throw bad("publish request: model SHA-256 does not match the manifest");
  }
  return { req, manifest, manifestBytes, signature, model };
}
