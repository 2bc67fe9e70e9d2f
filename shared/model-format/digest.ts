/**
 * The model file's integrity check: the SHA-256 of the body against the digest that ends the
 * file. Its own module so a device whose transport already verified the bytes can build without
 * it (device/targets/es5/trusting/digest.ts replaces it in the device bundle).
 */
import { sha256 } from "../portable/sha256";
import { ModelFormatError } from "./errors";
import { DIGEST_BYTES } from "./layout";

/** Throws ModelFormatError when bytes[0 .. bodyEnd) do not hash to the digest after them. */
export function checkDigest(bytes: number[], bodyEnd: number): void {
  const digest = sha256(bytes, 0, bodyEnd);
  for (let i = 0; i < DIGEST_BYTES; i++) {
    if (digest[i] !== bytes[bodyEnd + i]) {
      throw new ModelFormatError(
        "SHA-256 mismatch: the file is corrupt or was modified",
        bodyEnd + i,
      );
    }
  }
}
