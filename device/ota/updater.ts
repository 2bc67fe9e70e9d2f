/**
 * Device-side OTA updater (portable subset): a pure state machine fed with decoded offers and
 * chunks, returning what to publish. The transport adapter wires it to MQTT; the runtime learns
 * about a new model through `onActivated`.
 *
 * Flow (pull, resumable):
 *   1. offer (retained on ota/offer): verify the Ed25519 signature over the manifest's exact
 *      bytes before anything else is believed or remembered, decode the manifest, refuse one
 *      signed for another fleet or another model id (a signed artifact replayed elsewhere),
 *      rollback (version <= active), a runtime older than minRuntime, or a model larger than
 *      the inactive slot; erase the inactive slot.
 *   2. request a window of missing chunk indices (ota/req); the host answers on ota/chunk.
 *      Chunks go to the inactive slot and a bitmap; when a window is done, the next is asked.
 *      After a disconnect or a stall the adapter calls `request()` and the transfer resumes
 *      from the bitmap (chunks pushed to the fleet topic are accepted too).
 *   3. all chunks in: SHA-256 over the slot must equal the manifest's; `validateModel` (the
 *      model-format decoder) must accept the bytes; then the slot is activated (A/B switch).
 *   Any refusal or failure leaves the active slot untouched and reports the outcome (ota/report).
 */
import { decodeMessage, semverRank } from "../../protocol/codec";
import type {
  Manifest,
  OtaChunk,
  OtaOffer,
  OtaOutcome,
  OtaReport,
  OtaRequest,
} from "../../protocol/messages";
import { zeros } from "../../shared/portable/arrays";
import type { ActiveModel, OtaJournal, Sha256, SignatureVerifier, SlotStore } from "./interfaces";

export interface OtaUpdaterOptions {
  store: SlotStore;
  verifier: SignatureVerifier;
  sha256: Sha256;
  runtimeVersion: string;
  active: ActiveModel;
  /** The device's fleet: manifests signed for another fleet are refused. */
  fleet: string;
  /** Capacity of a slot in bytes. */
  maxModelBytes: number;
  /** Chunk indices asked per request (default 8). */
  window?: number;
  now: () => number;
  /** Validate assembled bytes before activation (e.g. the model-format decoder); throw to refuse. */
  validateModel?: (bytes: number[]) => void;
  /** The new slot is active: load it and apply the manifest's default threshold/smoothing. */
  onActivated?: (manifest: Manifest, slot: number) => void;
  /** A revert command switched back to the other slot, which holds `model`: load it. */
  onReverted?: (model: ActiveModel, slot: number) => void;
  /** Persist transfers in flight so they resume after a reboot (restored by the constructor). */
  journal?: OtaJournal;
}

export type OtaStatus =
  | "ignored"
  | "started"
  | "resumed"
  | "progress"
  | "duplicate"
  | "activated"
  | "refused";

/** What one input did, and what the adapter must publish. */
export interface OtaStep {
  status: OtaStatus;
  report?: OtaReport;
  request?: OtaRequest;
}

interface Transfer {
  offer: OtaOffer;
  manifest: Manifest;
  slot: number;
  total: number;
  have: number[];
  received: number;
  outstanding: number;
}

export class OtaUpdater {
  private current: ActiveModel;
  private transfer: Transfer | undefined = undefined;
  /**
   * Signatures of the last refused offers, so a retained offer is not retried and reported on
   * every reconnect. Keyed by signature, not version: a forged offer must not make the device
   * ignore the genuine one with the same version.
   */
  private readonly refused: number[][] = [];
  private readonly window: number;
  /** The model the last activation replaced (still in the other slot), and that offer's signature. */
  private previous: { model: ActiveModel; signature: number[] } | undefined = undefined;

  constructor(private readonly opts: OtaUpdaterOptions) {
    this.current = { modelId: opts.active.modelId, version: opts.active.version };
    this.window = opts.window !== undefined ? opts.window : 8;
    this.restore();
  }

  /**
   * Pick up a journaled transfer after a reboot: the offer is verified again and must still be
   * newer than the active model; the bitmap says which chunks the inactive slot already holds.
   */
  private restore(): void {
    const j = this.opts.journal;
    if (j === undefined) return;
    const saved = j.load();
    if (saved === undefined) return;
    let m: Manifest | undefined;
    try {
      if (this.opts.verifier.verify(saved.offer.manifest, saved.offer.signature)) {
        m = decodeMessage("manifest", saved.offer.manifest);
      }
    } catch {
      m = undefined;
    }
    const total = m !== undefined ? Math.floor((m.size + m.chunkSize - 1) / m.chunkSize) : 0;
    if (
      m === undefined ||
      this.wrongTarget(m) !== "" ||
      m.version <= this.current.version ||
      saved.have.length !== total
    ) {
      j.clear();
      return;
    }
    let received = 0;
    for (let i = 0; i < total; i++) if (saved.have[i] === 1) received++;
    this.transfer = {
      offer: saved.offer,
      manifest: m,
      slot: 1 - this.opts.store.activeSlot(),
      total,
      have: saved.have.slice(),
      received,
      outstanding: 0,
    };
  }

  private endTransfer(): void {
    this.transfer = undefined;
    if (this.opts.journal !== undefined) this.opts.journal.clear();
  }

  active(): ActiveModel {
    return { modelId: this.current.modelId, version: this.current.version };
  }

  /** Progress of the transfer in flight, if any. */
  progress(): { modelId: string; version: number; received: number; total: number } | undefined {
    const t = this.transfer;
    if (t === undefined) return undefined;
    return {
      modelId: t.manifest.modelId,
      version: t.manifest.version,
      received: t.received,
      total: t.total,
    };
  }

  handleOffer(offer: OtaOffer): OtaStep {
    let manifest: Manifest | undefined;
    try {
      manifest = decodeMessage("manifest", offer.manifest);
    } catch {
      manifest = undefined;
    }
    if (this.wasRefused(offer)) return { status: "ignored" };
    if (!this.opts.verifier.verify(offer.manifest, offer.signature)) {
      this.remember(offer);
      return this.refuse(manifest, "badSignature", "signature does not verify");
    }
    if (manifest === undefined) {
      this.remember(offer);
      return this.refuse(undefined, "badManifest", "manifest does not decode");
    }
    const m = manifest;
    const target = this.wrongTarget(m);
    if (target !== "") {
      this.remember(offer);
      return this.refuse(m, "badManifest", target);
    }
    const t = this.transfer;
    if (t !== undefined && t.manifest.version === m.version && t.manifest.modelId === m.modelId) {
      return { status: "resumed", request: this.request() };
    }
    if (m.version === this.current.version && m.modelId === this.current.modelId) {
      return { status: "ignored" }; // the retained offer of what already runs
    }
    if (m.version <= this.current.version) {
      this.remember(offer);
      return this.refuse(m, "rollback", `version ${m.version} <= active ${this.current.version}`);
    }
    if (t !== undefined && m.version < t.manifest.version) {
      return { status: "ignored" }; // an older offer than the one in flight
    }
    if (semverRank(this.opts.runtimeVersion) < semverRank(m.minRuntime)) {
      this.remember(offer);
      return this.refuse(m, "runtimeTooOld", `needs runtime ${m.minRuntime}`);
    }
    if (m.size > this.opts.maxModelBytes || m.chunkSize > 4096) {
      this.remember(offer);
      return this.refuse(m, "tooLarge", `${m.size} bytes > slot ${this.opts.maxModelBytes}`);
    }
    let superseded: OtaReport | undefined;
    if (t !== undefined)
      superseded = this.report(t.manifest, "superseded", `by version ${m.version}`);
    const slot = 1 - this.opts.store.activeSlot();
    try {
      this.opts.store.erase(slot, m.size);
    } catch {
      this.endTransfer();
      return this.refuse(m, "storageError", "erase failed");
    }
    const total = Math.floor((m.size + m.chunkSize - 1) / m.chunkSize);
    this.transfer = {
      offer,
      manifest: m,
      slot,
      total,
      have: zeros(total),
      received: 0,
      outstanding: 0,
    };
    if (this.opts.journal !== undefined) this.opts.journal.save(offer, this.transfer.have);
    const step: OtaStep = { status: "started", request: this.request() };
    if (superseded !== undefined) step.report = superseded;
    return step;
  }

  handleChunk(chunk: OtaChunk): OtaStep {
    const t = this.transfer;
    if (t === undefined) return { status: "ignored" };
    const m = t.manifest;
    if (chunk.modelId !== m.modelId || chunk.version !== m.version) return { status: "ignored" };
    const i = chunk.index;
    if (i >= t.total) return { status: "ignored" };
    const expected = i === t.total - 1 ? m.size - i * m.chunkSize : m.chunkSize;
    if (chunk.data.length !== expected) return { status: "ignored" }; // asked again later
    if (t.have[i] === 1) return { status: "duplicate" };
    try {
      this.opts.store.write(t.slot, i * m.chunkSize, chunk.data);
    } catch {
      this.endTransfer();
      return this.refuse(m, "storageError", "slot write failed");
    }
    t.have[i] = 1;
    t.received++;
    if (this.opts.journal !== undefined && t.received < t.total)
      this.opts.journal.save(t.offer, t.have);
    if (t.outstanding > 0) t.outstanding--;
    if (t.received === t.total) return this.finish(t);
    if (t.outstanding === 0) return { status: "progress", request: this.request() };
    return { status: "progress" };
  }

  /**
   * The next window of missing chunks (after a reconnect, a stall, or a finished window);
   * undefined when nothing is in flight.
   */
  request(): OtaRequest | undefined {
    const t = this.transfer;
    if (t === undefined) return undefined;
    const missing: number[] = [];
    for (let i = 0; i < t.total && missing.length < this.window; i++) {
      if (t.have[i] === 0) missing.push(i);
    }
    t.outstanding = missing.length;
    return {
      modelId: t.manifest.modelId,
      version: t.manifest.version,
      received: t.received,
      missing,
    };
  }

  private finish(t: Transfer): OtaStep {
    const m = t.manifest;
    this.endTransfer();
    const h = this.opts.sha256;
    h.begin();
    for (let off = 0; off < m.size; off += m.chunkSize) {
      const n = off + m.chunkSize < m.size ? m.chunkSize : m.size - off;
      h.update(this.opts.store.read(t.slot, off, n));
    }
    const digest = h.end();
    let same = digest.length === 32;
    for (let i = 0; i < 32 && same; i++) if (digest[i] !== m.sha256[i]) same = false;
    if (!same) {
      this.remember(t.offer);
      return this.refuse(m, "badHash", "SHA-256 of the assembled model differs");
    }
    if (this.opts.validateModel !== undefined) {
      try {
        this.opts.validateModel(this.opts.store.read(t.slot, 0, m.size));
      } catch (e) {
        this.remember(t.offer);
        const why = e instanceof Error ? e.message : "invalid model";
        return this.refuse(m, "badModel", why.length > 64 ? why.substring(0, 64) : why);
      }
    }
    try {
      this.opts.store.activate(t.slot);
    } catch {
      return this.refuse(m, "storageError", "activation failed");
    }
    this.previous = { model: this.current, signature: t.offer.signature.slice() };
    this.current = { modelId: m.modelId, version: m.version };
    if (this.opts.onActivated !== undefined) this.opts.onActivated(m, t.slot);
    return { status: "activated", report: this.report(m, "activated", undefined) };
  }

  /**
   * A staged rollout's rollback (a signed revert command): if `modelId` v`version` is what runs
   * and the other slot still holds the model it replaced, switch back to that slot. The offer of
   * the reverted version is remembered as refused, so its retained offer is not taken again.
   * Returns the report to publish, or an error message when there is nothing to revert.
   */
  revert(modelId: string, version: number): OtaReport | string {
    const p = this.previous;
    if (this.current.modelId !== modelId || this.current.version !== version)
      return `runs ${this.current.modelId} v${this.current.version}, not ${modelId} v${version}`;
    if (p === undefined) return "no previous model to go back to";
    const slot = 1 - this.opts.store.activeSlot();
    try {
      this.opts.store.activate(slot);
    } catch {
      return "activation of the previous slot failed";
    }
    if (this.refused.length === 4) this.refused.shift();
    this.refused.push(p.signature);
    this.previous = undefined;
    this.endTransfer();
    const left = this.current;
    this.current = { modelId: p.model.modelId, version: p.model.version };
    if (this.opts.onReverted !== undefined) this.opts.onReverted(this.active(), slot);
    const r = this.report(undefined, "reverted", `left v${left.version}`);
    r.modelId = left.modelId;
    r.version = left.version;
    return r;
  }

  /** Why a verified manifest is not for this device ("" when it is). */
  private wrongTarget(m: Manifest): string {
    if (m.fleet !== this.opts.fleet) return `signed for fleet ${m.fleet}`;
    if (m.modelId !== this.current.modelId)
      return `model id ${m.modelId}, device runs ${this.current.modelId}`;
    return "";
  }

  private wasRefused(offer: OtaOffer): boolean {
    for (let i = 0; i < this.refused.length; i++) {
      const r = this.refused[i];
      let same = r.length === offer.signature.length;
      for (let k = 0; k < r.length && same; k++) if (r[k] !== offer.signature[k]) same = false;
      if (same) return true;
    }
    return false;
  }

  private remember(offer: OtaOffer): void {
    if (this.refused.length === 4) this.refused.shift();
    this.refused.push(offer.signature.slice());
  }

  private refuse(m: Manifest | undefined, outcome: OtaOutcome, detail: string): OtaStep {
    return { status: "refused", report: this.report(m, outcome, detail) };
  }

  private report(
    m: Manifest | undefined,
    outcome: OtaOutcome,
    detail: string | undefined,
  ): OtaReport {
    const r: OtaReport = {
      modelId: m !== undefined ? m.modelId : "",
      version: m !== undefined ? m.version : 0,
      outcome,
      activeModelId: this.current.modelId,
      activeVersion: this.current.version,
      timeMs: this.opts.now(),
    };
    if (detail !== undefined) r.detail = detail;
    return r;
  }
}
