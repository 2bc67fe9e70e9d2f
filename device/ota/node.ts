/** node:crypto implementations of the OTA verifier interfaces (Node devices, simulator). */
import { createHash, type Hash, type KeyObject, verify } from "node:crypto";
import { publicKeyFrom } from "../../protocol/ota/keys";
import type { Sha256, SignatureVerifier } from "./interfaces";

export class NodeEd25519Verifier implements SignatureVerifier {
  private readonly key: KeyObject;
  /** `publicKey`: the raw 32 bytes a device carries, or a PEM. */
  constructor(publicKey: Uint8Array | string) {
    this.key = publicKeyFrom(publicKey);
  }
  verify(message: number[], signature: number[]): boolean {
    if (signature.length !== 64) return false;
    return verify(null, Uint8Array.from(message), this.key, Uint8Array.from(signature));
  }
}

export class NodeSha256 implements Sha256 {
  private h: Hash | undefined;
  begin(): void {
    this.h = createHash("sha256");
  }
  update(bytes: number[]): void {
    if (!this.h) throw new Error("Sha256.update before begin");
    this.h.update(Uint8Array.from(bytes));
  }
  end(): number[] {
    if (!this.h) throw new Error("Sha256.end before begin");
    const d = [...this.h.digest()];
    this.h = undefined;
    return d;
  }
}
