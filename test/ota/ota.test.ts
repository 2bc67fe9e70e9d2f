/**
 * OTA over an in-memory transport: every message goes through the binary codec both ways, the
 * host side is protocol/ota/artifact.ts, the device side device/ota/updater.ts with A/B slots.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { NodeEd25519Verifier, NodeSha256 } from "../../device/ota/node";
import { MemorySlotStore } from "../../device/ota/slots";
import { type OtaStep, OtaUpdater } from "../../device/ota/updater";
import { decodeMessage, encodeMessage } from "../../protocol/codec";
import type { Manifest, OtaChunk, OtaOffer, OtaReport } from "../../protocol/messages";
import {
  type Artifact,
  type ArtifactOptions,
  buildArtifact,
  chunkCount,
  chunksForRequest,
} from "../../protocol/ota/artifact";
import { generateSigningKeys, type SigningKeys } from "../../protocol/ota/keys";

/** A stand-in model format: magic "ESM1" + u32 payload length + payload (decodeModel's role). */
function fakeModel(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(8 + n);
  b.set([0x45, 0x53, 0x4d, 0x31, n & 255, (n >> 8) & 255, (n >> 16) & 255, 0]);
  for (let i = 0; i < n; i++) b[8 + i] = (i * 31 + seed) & 255;
  return b;
}
function validateModel(bytes: number[]): void {
  if (bytes[0] !== 0x45 || bytes[1] !== 0x53 || bytes[2] !== 0x4d || bytes[3] !== 0x31) {
    throw new Error("not an earshot model (bad magic)");
  }
  const n = bytes[4] + bytes[5] * 256 + bytes[6] * 65536;
  if (bytes.length !== 8 + n) throw new Error(`model truncated: ${bytes.length - 8} of ${n} bytes`);
}

const OLD = fakeModel(1000, 1);
const opts = (version: number, extra: Partial<ArtifactOptions> = {}): ArtifactOptions => ({
  modelId: "kws",
  version,
  minRuntime: "0.1.0",
  threshold: 0.7,
  smoothing: 3,
  chunkSize: 256,
  createdMs: 1,
  ...extra,
});

let keys: SigningKeys;
let other: SigningKeys;
beforeAll(() => {
  keys = generateSigningKeys();
  other = generateSigningKeys();
});

/** A device (updater + slots) wired to a host over codec-encoded in-memory messages. */
function device(runtime = "0.2.0") {
  const store = new MemorySlotStore([...OLD]);
  const activated: Manifest[] = [];
  const updater = new OtaUpdater({
    store,
    verifier: new NodeEd25519Verifier(keys.publicKeyRaw),
    sha256: new NodeSha256(),
    runtimeVersion: runtime,
    active: { modelId: "kws", version: 1 },
    maxModelBytes: 64 * 1024,
    window: 4,
    now: () => 42,
    validateModel,
    onActivated: (m) => activated.push(m),
  });
  return { store, updater, activated };
}

const wire = {
  offer: (o: OtaOffer) => decodeMessage("otaOffer", encodeMessage("otaOffer", o)),
  chunk: (c: OtaChunk) => decodeMessage("otaChunk", encodeMessage("otaChunk", c)),
};

/**
 * Run a transfer: deliver the offer, then answer each ota/req with the artifact's chunks until
 * no request is left. `drop(chunk)` true loses a chunk in transit (a disconnect).
 */
function run(
  dev: ReturnType<typeof device>,
  offerArtifact: Artifact,
  served: Artifact = offerArtifact,
  drop: (c: OtaChunk, n: number) => boolean = () => false,
) {
  const reports: OtaReport[] = [];
  let sent = 0;
  const queue: OtaStep[] = [dev.updater.handleOffer(wire.offer(offerArtifact.offer))];
  while (queue.length > 0) {
    const step = queue.shift() as OtaStep;
    if (step.report)
      reports.push(decodeMessage("otaReport", encodeMessage("otaReport", step.report)));
    if (!step.request) continue;
    const req = decodeMessage("otaReq", encodeMessage("otaReq", step.request));
    for (const c of chunksForRequest(served, req)) {
      sent++;
      if (drop(c, sent)) continue;
      queue.push(dev.updater.handleChunk(wire.chunk(c)));
    }
  }
  return { reports, sent };
}

describe("OTA: signed, chunked, verified, A/B", () => {
  it("activates a valid update in the inactive slot and reports it", () => {
    const dev = device();
    const model = fakeModel(3000, 7);
    const a = buildArtifact(model, opts(2), keys.privateKeyPem);
    const { reports, sent } = run(dev, a);
    expect(sent).toBe(chunkCount(a.manifest));
    expect(reports).toEqual([
      {
        modelId: "kws",
        version: 2,
        outcome: "activated",
        activeModelId: "kws",
        activeVersion: 2,
        timeMs: 42,
      },
    ]);
    expect(dev.store.activeSlot()).toBe(1);
    expect(dev.store.activeBytes()).toEqual([...model]);
    expect(dev.activated.map((m) => [m.version, m.threshold, m.smoothing])).toEqual([
      [2, toF32(0.7), 3],
    ]);
    // The next update goes to the other slot again (A/B alternate).
    const b = buildArtifact(fakeModel(500, 9), opts(3), keys.privateKeyPem);
    expect(run(dev, b).reports[0].outcome).toBe("activated");
    expect(dev.store.activeSlot()).toBe(0);
  });

  const refusals: [string, () => { offered: Artifact; served?: Artifact }, string, string?][] = [
    [
      "tampered model bytes",
      () => {
        const a = buildArtifact(fakeModel(2000, 3), opts(2), keys.privateKeyPem);
        const bad = { ...a, model: a.model.slice() };
        bad.model[1500] ^= 0x01;
        return { offered: a, served: bad };
      },
      "badHash",
    ],
    [
      "tampered manifest (threshold byte changed after signing)",
      () => {
        const a = buildArtifact(fakeModel(2000, 3), opts(2), keys.privateKeyPem);
        const m = a.offer.manifest.slice();
        m[m.length - 5] ^= 0x40;
        return { offered: { ...a, offer: { ...a.offer, manifest: m } } };
      },
      "badSignature",
    ],
    [
      "signed by another key",
      () => ({ offered: buildArtifact(fakeModel(2000, 3), opts(2), other.privateKeyPem) }),
      "badSignature",
    ],
    [
      "signature bytes flipped",
      () => {
        const a = buildArtifact(fakeModel(2000, 3), opts(2), keys.privateKeyPem);
        const s = a.offer.signature.slice();
        s[10] ^= 0x80;
        return { offered: { ...a, offer: { ...a.offer, signature: s } } };
      },
      "badSignature",
    ],
    [
      "truncated model file (signed as is, refused by the model validator)",
      () => ({
        offered: buildArtifact(fakeModel(2000, 3).subarray(0, 1700), opts(2), keys.privateKeyPem),
      }),
      "badModel",
      "model truncated",
    ],
    [
      "older version (anti-rollback)",
      () => ({ offered: buildArtifact(fakeModel(2000, 3), opts(0), keys.privateKeyPem) }),
      "rollback",
    ],
    [
      "runtime older than minRuntime",
      () => ({
        offered: buildArtifact(
          fakeModel(2000, 3),
          opts(2, { minRuntime: "0.10.0" }),
          keys.privateKeyPem,
        ),
      }),
      "runtimeTooOld",
    ],
    [
      "model larger than a slot",
      () => ({
        offered: buildArtifact(
          fakeModel(70_000, 3),
          opts(2, { chunkSize: 4096 }),
          keys.privateKeyPem,
        ),
      }),
      "tooLarge",
    ],
  ];
  for (const [name, make, outcome, detail] of refusals) {
    it(`refuses ${name}; the old model keeps running`, () => {
      const dev = device();
      const { offered, served } = make();
      const { reports } = run(dev, offered, served);
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatchObject({ outcome, activeModelId: "kws", activeVersion: 1 });
      if (detail) expect(reports[0].detail).toContain(detail);
      expect(dev.store.activeSlot()).toBe(0);
      expect(dev.store.activeBytes()).toEqual([...OLD]);
      expect(dev.updater.active()).toEqual({ modelId: "kws", version: 1 });
      expect(dev.activated).toEqual([]);
      // The same (retained) offer seen again after a reconnect is not retried nor re-reported.
      expect(dev.updater.handleOffer(wire.offer(offered.offer))).toEqual({ status: "ignored" });
    });
  }

  it("resumes an interrupted transfer from its bitmap, asking only for missing chunks", () => {
    const dev = device();
    const model = fakeModel(5000, 11);
    const a = buildArtifact(model, opts(2), keys.privateKeyPem);
    const total = chunkCount(a.manifest);
    // Disconnect after the 6th chunk: everything in flight afterwards is lost.
    const first = run(dev, a, a, (_c, n) => n > 6);
    expect(first.reports).toEqual([]);
    expect(dev.updater.progress()).toMatchObject({ received: 6, total });
    expect(dev.store.activeBytes()).toEqual([...OLD]);
    // Reconnect: the retained offer arrives again; the device resumes with a request.
    const resumed = dev.updater.handleOffer(wire.offer(a.offer));
    expect(resumed.status).toBe("resumed");
    expect(resumed.request?.missing[0]).toBe(6);
    expect(resumed.request?.received).toBe(6);
    let sent = 0;
    const queue: OtaStep[] = [resumed];
    const reports: OtaReport[] = [];
    while (queue.length) {
      const s = queue.shift() as OtaStep;
      if (s.report) reports.push(s.report);
      if (s.request)
        for (const c of chunksForRequest(a, s.request)) {
          sent++;
          queue.push(dev.updater.handleChunk(wire.chunk(c)));
        }
    }
    expect(sent).toBe(total - 6);
    expect(reports.map((r) => r.outcome)).toEqual(["activated"]);
    expect(dev.store.activeBytes()).toEqual([...model]);
  });

  it("ignores chunks of other artifacts, out-of-range, wrong-length and duplicate chunks", () => {
    const dev = device();
    const a = buildArtifact(fakeModel(1000, 5), opts(2), keys.privateKeyPem);
    expect(
      dev.updater.handleChunk({ modelId: "kws", version: 2, index: 0, data: [1] }).status,
    ).toBe("ignored");
    dev.updater.handleOffer(a.offer);
    const c0 = chunksForRequest(a, { modelId: "kws", version: 2, missing: [0] })[0];
    expect(dev.updater.handleChunk({ ...c0, version: 9 }).status).toBe("ignored");
    expect(dev.updater.handleChunk({ ...c0, index: 99 }).status).toBe("ignored");
    expect(dev.updater.handleChunk({ ...c0, data: c0.data.slice(1) }).status).toBe("ignored");
    expect(dev.updater.handleChunk(c0).status).toBe("progress");
    expect(dev.updater.handleChunk(c0).status).toBe("duplicate");
    expect(dev.updater.progress()?.received).toBe(1);
  });

  it("a newer offer supersedes the transfer in flight; the retained offer of the active model is ignored", () => {
    const dev = device();
    const a = buildArtifact(fakeModel(1000, 5), opts(2), keys.privateKeyPem);
    const b = buildArtifact(fakeModel(1200, 6), opts(3), keys.privateKeyPem);
    expect(dev.updater.handleOffer(a.offer).status).toBe("started");
    const step = dev.updater.handleOffer(b.offer);
    expect(step.status).toBe("started");
    expect(step.report).toMatchObject({ outcome: "superseded", version: 2 });
    expect(dev.updater.handleOffer(a.offer).status).toBe("ignored");
    const { reports } = run(dev, b);
    expect(reports.map((r) => r.outcome)).toEqual(["activated"]);
    expect(dev.updater.handleOffer(b.offer)).toEqual({ status: "ignored" });
  });
});

function toF32(v: number): number {
  return Math.fround(v);
}
