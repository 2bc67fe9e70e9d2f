/**
 * OTA over an in-memory transport: every message goes through the binary codec both ways, the
 * host side is protocol/ota/artifact.ts, the device side device/ota/updater.ts with A/B slots.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Sha256 } from "../../device/ota/interfaces";
import { NodeEd25519Verifier, NodeSha256 } from "../../device/ota/node";
import { PortableSha256 } from "../../device/ota/portable-sha256";
import { MemoryOtaJournal, MemorySlotStore } from "../../device/ota/slots";
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
import { decodeModel } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import {
  type DeviceModel,
  DT_FLOAT32,
  DT_INT8,
  OP_QUANTIZE,
} from "../../shared/model-format/types";

/** A real model file (shared/model-format) of roughly `n` bytes: a tiny graph plus n int8 constants. */
function fakeModel(n: number, seed: number): Uint8Array {
  const model: DeviceModel = {
    formatVersion: 1,
    modelId: "kws",
    modelVersion: seed,
    labels: ["yes", "no"],
    frontEnd: [],
    threshold: 0.7,
    smoothingWindow: 3,
    meta: [],
    tensors: [
      { name: "x", dtype: DT_FLOAT32, bits: 32, shape: [2], data: null, scales: [1], zeroPoint: 0 },
      { name: "q", dtype: DT_INT8, bits: 8, shape: [2], data: null, scales: [0.5], zeroPoint: 0 },
      {
        name: "pad",
        dtype: DT_INT8,
        bits: 8,
        shape: [n],
        data: Array.from({ length: n }, (_, i) => ((i * 31 + seed) % 256) - 128),
        scales: [1],
        zeroPoint: 0,
      },
    ],
    ops: [{ code: OP_QUANTIZE, inputs: [0], outputs: [1], attrs: [] }],
    input: 0,
    output: 1,
  };
  return Uint8Array.from(encodeModel(model));
}
/** What a device validates with before activation: the model-format decoder (own SHA-256 too). */
function validateModel(bytes: number[]): void {
  decodeModel(bytes);
}

const OLD = fakeModel(1000, 1);
const opts = (version: number, extra: Partial<ArtifactOptions> = {}): ArtifactOptions => ({
  modelId: "kws",
  fleet: "plant",
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
function device(runtime = "0.2.0", sha256: Sha256 = new NodeSha256()) {
  const store = new MemorySlotStore([...OLD]);
  const activated: Manifest[] = [];
  const updater = new OtaUpdater({
    store,
    verifier: new NodeEd25519Verifier(keys.publicKeyRaw),
    sha256,
    runtimeVersion: runtime,
    fleet: "plant",
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
  it("activates a valid update in the inactive slot and reports it (portable SHA-256)", () => {
    const dev = device("0.2.0", new PortableSha256());
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
      "truncated model file (signed as is, refused by decodeModel)",
      () => ({
        offered: buildArtifact(fakeModel(2000, 3).subarray(0, 1700), opts(2), keys.privateKeyPem),
      }),
      "badModel",
      "truncated",
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
    [
      "a genuine artifact signed for another fleet (replayed across fleets)",
      () => ({
        offered: buildArtifact(fakeModel(2000, 3), opts(2, { fleet: "other" }), keys.privateKeyPem),
      }),
      "badManifest",
      "signed for fleet other",
    ],
    [
      "a genuine artifact of another model id",
      () => ({
        offered: buildArtifact(
          fakeModel(2000, 3),
          opts(2, { modelId: "factory-kws" }),
          keys.privateKeyPem,
        ),
      }),
      "badManifest",
      "model id factory-kws",
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

  it("a forged offer does not block the genuine one with the same version", () => {
    const dev = device();
    const genuine = buildArtifact(fakeModel(2000, 3), opts(2), keys.privateKeyPem);
    // Same version, signed by the attacker's key, then a second forgery with garbage signature.
    const forged = buildArtifact(fakeModel(900, 4), opts(2), other.privateKeyPem);
    expect(run(dev, forged).reports[0].outcome).toBe("badSignature");
    const garbage = { ...genuine, offer: { ...genuine.offer, signature: new Array(64).fill(7) } };
    expect(run(dev, garbage).reports[0].outcome).toBe("badSignature");
    expect(run(dev, genuine).reports.map((r) => r.outcome)).toEqual(["activated"]);
    expect(dev.updater.active()).toEqual({ modelId: "kws", version: 2 });
  });

  it("a replayed artifact of another fleet does not block this fleet's own of that version", () => {
    const dev = device();
    const theirs = buildArtifact(
      fakeModel(900, 4),
      opts(3, { fleet: "other" }),
      keys.privateKeyPem,
    );
    expect(run(dev, theirs).reports[0].outcome).toBe("badManifest");
    const ours = buildArtifact(fakeModel(2000, 3), opts(3), keys.privateKeyPem);
    expect(run(dev, ours).reports.map((r) => r.outcome)).toEqual(["activated"]);
  });

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

  it("resumes after a reboot from the journal: same slot contents, only missing chunks asked", () => {
    const store = new MemorySlotStore([...OLD]);
    const journal = new MemoryOtaJournal();
    const boot = () =>
      new OtaUpdater({
        store,
        journal,
        verifier: new NodeEd25519Verifier(keys.publicKeyRaw),
        sha256: new NodeSha256(),
        runtimeVersion: "0.2.0",
        fleet: "plant",
        active: { modelId: "kws", version: store.activeSlot() === 0 ? 1 : 2 },
        maxModelBytes: 64 * 1024,
        window: 4,
        now: () => 1,
        validateModel,
      });
    const model = fakeModel(3000, 21);
    const a = buildArtifact(model, opts(2), keys.privateKeyPem);
    const first = { store, updater: boot(), activated: [] as Manifest[] };
    run(first, a, a, (_c, n) => n > 5); // power lost after 5 chunks
    const rebooted = boot();
    expect(rebooted.progress()).toMatchObject({ version: 2, received: 5 });
    const req = rebooted.request();
    expect(req?.missing[0]).toBe(5);
    let last: OtaStep = { status: "ignored" };
    for (const c of chunksForRequest(a, {
      ...a.manifest,
      missing: [...Array(chunkCount(a.manifest)).keys()],
    })) {
      last = rebooted.handleChunk(wire.chunk(c));
    }
    expect(last.report?.outcome).toBe("activated");
    expect(store.activeBytes()).toEqual([...model]);
    expect(journal.load()).toBeUndefined();
    // A journal whose offer no longer verifies is discarded on boot.
    journal.save({ ...a.offer, signature: a.offer.signature.map((b) => b ^ 1) }, [1, 0]);
    expect(boot().progress()).toBeUndefined();
    expect(journal.load()).toBeUndefined();
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
