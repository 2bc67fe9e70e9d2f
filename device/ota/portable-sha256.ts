/**
 * Sha256 over shared/portable/sha256 for engines without a native hash (reference and tests).
 * It buffers the whole image before hashing; MCU targets bind a native streaming SHA-256.
 */
import { sha256 } from "../../shared/portable/sha256";
import type { Sha256 } from "./interfaces";

export class PortableSha256 implements Sha256 {
  private buf: number[] = [];
  begin(): void {
    this.buf = [];
  }
  update(bytes: number[]): void {
    for (let i = 0; i < bytes.length; i++) this.buf.push(bytes[i]);
  }
  end(): number[] {
    const d = sha256(this.buf);
    this.buf = [];
    return d;
  }
}
