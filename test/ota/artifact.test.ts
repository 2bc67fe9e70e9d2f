import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ProtocolError } from "../../protocol/errors";
import {
  buildArtifact,
  chunkCount,
  chunksOf,
  decodeArtifactFile,
  encodeArtifactFile,
  verifyOffer,
} from "../../protocol/ota/artifact";
import { generateSigningKeys, loadPrivateKey, publicKeyFrom } from "../../protocol/ota/keys";

const keys = generateSigningKeys();
const model = Uint8Array.from({ length: 2500 }, (_, i) => (i * 13) % 256);
const opts = {
  modelId: "kws",
  fleet: "plant",
  version: 5,
  minRuntime: "0.1.0",
  threshold: 0.8,
  smoothing: 4,
  chunkSize: 1000,
};

describe("OTA artifacts (host side)", () => {
  it("chunks cover the model exactly; the manifest carries size, SHA-256 and defaults", () => {
    const a = buildArtifact(model, opts, keys.privateKeyPem);
    expect(chunkCount(a.manifest)).toBe(3);
    const chunks = chunksOf(a);
    expect(chunks.map((c) => c.data.length)).toEqual([1000, 1000, 500]);
    expect(chunks.flatMap((c) => c.data)).toEqual([...model]);
    expect(a.manifest).toMatchObject({
      modelId: "kws",
      fleet: "plant",
      version: 5,
      size: 2500,
      chunkSize: 1000,
      smoothing: 4,
    });
    expect(verifyOffer(a.offer, publicKeyFrom(keys.publicKeyRaw))).toEqual(a.manifest);
  });

  it("round-trips the one-file form and refuses forged, truncated or mismatched files", () => {
    const a = buildArtifact(model, opts, keys.privateKeyPem);
    const file = encodeArtifactFile(a);
    const pub = publicKeyFrom(keys.publicKeyPem);
    const back = decodeArtifactFile(file, pub);
    expect(back.manifest).toEqual(a.manifest);
    expect([...back.model]).toEqual([...model]);

    const tamperedModel = file.slice();
    tamperedModel[file.length - 1] ^= 1;
    const tamperedManifest = file.slice();
    tamperedManifest[20] ^= 1;
    const cases: [Uint8Array, RegExp][] = [
      [tamperedModel, /SHA-256/],
      [tamperedManifest, /signature|invalid|varint|range/],
      [file.slice(0, file.length - 10), /manifest says/],
      [file.slice(0, 30), /past the end/],
      [Uint8Array.from([1, 2, 3]), /magic/],
    ];
    for (const [bytes, why] of cases) {
      expect(() => decodeArtifactFile(bytes, pub)).toThrow(ProtocolError);
      expect(() => decodeArtifactFile(bytes, pub)).toThrow(why);
    }
    const stranger = generateSigningKeys();
    expect(() => decodeArtifactFile(file, publicKeyFrom(stranger.publicKeyRaw))).toThrow(
      /signature/,
    );
  });

  it("keys: PEM round trip, keyId, refusal of non-Ed25519 keys and bad raw keys", () => {
    const loaded = loadPrivateKey(keys.privateKeyPem);
    expect(loaded.keyId).toBe(keys.keyId);
    expect(loaded.publicKeyRaw).toEqual(keys.publicKeyRaw);
    expect(keys.publicKeyRaw.length).toBe(32);
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({
      format: "pem",
      type: "pkcs8",
    });
    expect(() => loadPrivateKey(ec.toString())).toThrow(/want ed25519/);
    expect(() => loadPrivateKey("nonsense")).toThrow(/not a PEM/);
    expect(() => publicKeyFrom(new Uint8Array(31))).toThrow(/32 bytes/);
  });

  it("refuses chunk sizes the chunk message cannot carry and empty models", () => {
    expect(() => buildArtifact(model, { ...opts, chunkSize: 5000 }, keys.privateKeyPem)).toThrow(
      /chunk size/,
    );
    expect(() => buildArtifact(new Uint8Array(0), opts, keys.privateKeyPem)).toThrow(/empty/);
  });
});
