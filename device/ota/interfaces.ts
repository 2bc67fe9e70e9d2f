/**
 * What the OTA updater needs from its host, as injected interfaces (portable subset). On Node
 * they are node:crypto and memory (device/ota/node.ts, device/ota/slots.ts); on an MCU they are
 * native intrinsics: Ed25519 verify and SHA-256 from monocypher or mbedTLS
 * (`crypto_eddsa_check`, `mbedtls_sha256_*`), and the flash partition API for slots. Interpreted
 * JS or Lua never runs the curve arithmetic: it costs thousands of instructions per
 * multiply-accumulate there (DESIGN.md), and verification is a constant-time native job anyway.
 */

/** Ed25519 verification with the public key the device carries (bound at construction). */
export interface SignatureVerifier {
  /** True when `signature` (64 bytes) is valid for `message` under the device's public key. */
  verify(message: number[], signature: number[]): boolean;
}

/** Streaming SHA-256, so the image is hashed from flash in pieces rather than held in RAM. */
export interface Sha256 {
  begin(): void;
  update(bytes: number[]): void;
  /** The 32-byte digest of everything since begin(). */
  end(): number[];
}

/**
 * Two model slots (A = 0, B = 1). Exactly one is active; updates are written to the other, and
 * `activate` switches atomically (on flash: write the boot record last). A write or activation
 * failure throws; the updater then reports storageError and the active slot is untouched.
 */
export interface SlotStore {
  activeSlot(): number;
  /** Prepare `slot` to receive `size` bytes (erase flash pages). */
  erase(slot: number, size: number): void;
  write(slot: number, offset: number, bytes: number[]): void;
  read(slot: number, offset: number, length: number): number[];
  /** Make `slot` the one the runtime loads (now and after reboot). */
  activate(slot: number): void;
}

/** The model currently running. */
export interface ActiveModel {
  modelId: string;
  version: number;
}

/**
 * Optional persistence of a transfer in flight, so an update survives a reboot, not only a
 * disconnect. `save` is called when a transfer starts and after every chunk written (an MCU
 * implementation appends one bit to a flash page rather than rewriting the bitmap); `clear` when
 * it ends either way. The slot bytes themselves already live in the inactive slot.
 */
export interface OtaJournal {
  save(offer: { manifest: number[]; signature: number[] }, have: number[]): void;
  load(): { offer: { manifest: number[]; signature: number[] }; have: number[] } | undefined;
  clear(): void;
}
