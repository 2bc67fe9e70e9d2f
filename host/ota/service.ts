/**
 * The service's OTA role: store published artifacts, offer them (retained ota/offer on the
 * fleet topic, or on each target device's topic), and answer devices' chunk requests (ota/req)
 * with ota/chunk messages on the asking device's topic. Transfers resume because devices ask
 * for what they still miss; the service keeps no per-device transfer state.
 */
import type { KeyObject } from "node:crypto";
import type { MqttClient } from "mqtt";
import { encodeForTopic } from "../../protocol/host";
import type { OtaRequest } from "../../protocol/messages";
import { chunkCount } from "../../protocol/ota/artifact";
import { publicKeyFrom } from "../../protocol/ota/keys";
import { deviceTopic, fleetTopic } from "../../protocol/topics";
import { ChunkBudget } from "./chunk-budget";
import type { ArtifactRecord, DeploymentRow, OtaStore, RequestOrigin } from "./records";
import { type CheckedPublish, checkPublish } from "./request";

export interface PublishResult {
  deployment: DeploymentRow;
  offeredOn: string[];
  chunks: number;
}

/** Chunks answered per request, whatever a device asks (bounds one request's cost). */
const MAX_CHUNKS_PER_REQUEST = 64;
/** Per device: a 256-chunk burst (a whole model of a few hundred KB), then 64 chunks/s. */
const CHUNK_BUDGET = { burst: 256, perSecond: 64 };

export class OtaService {
  private readonly cache = new Map<string, Promise<ArtifactRecord | undefined>>();
  private readonly budget = new ChunkBudget(CHUNK_BUDGET);
  private throttled = 0;

  constructor(
    private readonly store: OtaStore,
    private readonly mqtt: () => MqttClient,
    private readonly log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
    /** Public keys whose signatures the service accepts (raw Ed25519). */
    trustedKeys: Uint8Array[] = [],
  ) {
    this.trusted = trustedKeys.map((k) => publicKeyFrom(k));
  }
  private readonly trusted: KeyObject[];

  async publish(body: unknown): Promise<PublishResult> {
    const p = checkPublish(body, this.trusted);
    return this.publishChecked(p, p.req.devices ?? null);
  }

  /** Checks a publish body (signature, fleet, hash) without storing or offering anything. */
  async check(body: unknown): Promise<CheckedPublish> {
    return checkPublish(body, this.trusted);
  }

  /** Stores a checked artifact and offers it to `devices` (null: the whole fleet). */
  async publishChecked(p: CheckedPublish, devices: string[] | null): Promise<PublishResult> {
    const m = p.manifest;
    await this.store.putArtifact({
      modelId: m.modelId,
      version: m.version,
      size: m.size,
      sha256: new Uint8Array(m.sha256),
      chunkSize: m.chunkSize,
      minRuntime: m.minRuntime,
      keyId: m.keyId ?? null,
      manifest: p.manifestBytes,
      signature: p.signature,
      model: p.model,
    });
    const deployment = await this.store.addDeployment({
      fleet: p.req.fleet,
      modelId: m.modelId,
      version: m.version,
      devices,
    });
    const offer = encodeForTopic("ota/offer", {
      manifest: [...p.manifestBytes],
      signature: [...p.signature],
    });
    const topics = devices
      ? devices.map((d) => deviceTopic(p.req.fleet, d, "ota/offer"))
      : [fleetTopic(p.req.fleet, "ota/offer")];
    const client = this.mqtt();
    await Promise.all(topics.map((t) => client.publishAsync(t, offer, { qos: 1, retain: true })));
    return { deployment, offeredOn: topics, chunks: chunkCount(m) };
  }

  /** Ingest hook for ota/req: publish the asked chunks to the device. Never throws. */
  onRequest(origin: RequestOrigin, req: OtaRequest): void {
    this.answer(origin, req).catch((e: Error) =>
      this.log(`ota: chunk request from ${origin.deviceId} failed: ${e.message}`),
    );
  }

  private async answer(origin: RequestOrigin, req: OtaRequest): Promise<void> {
    const key = `${req.modelId}@${req.version}`;
    let a = this.cache.get(key);
    if (!a) {
      a = this.store.artifact(req.modelId, req.version);
      this.cache.set(key, a);
    }
    const art = await a;
    if (!art) {
      this.cache.delete(key);
      this.log(`ota: ${origin.deviceId} asked for unknown artifact ${key}`);
      return;
    }
    const total = chunkCount(art);
    const topic = deviceTopic(origin.fleet, origin.deviceId, "ota/chunk");
    const client = this.mqtt();
    const wanted = req.missing.slice(0, MAX_CHUNKS_PER_REQUEST);
    const allowed = this.budget.take(`${origin.fleet}/${origin.deviceId}`, wanted.length);
    if (allowed < wanted.length) {
      this.throttled++;
      if (this.throttled <= 10 || this.throttled % 1000 === 0)
        this.log(
          `ota: ${origin.deviceId} asks for chunks faster than its budget; sent ${allowed} of ${wanted.length} (#${this.throttled})`,
        );
    }
    for (const index of wanted.slice(0, allowed)) {
      if (!Number.isInteger(index) || index < 0 || index >= total) continue;
      const start = index * art.chunkSize;
      const data = art.model.subarray(start, Math.min(start + art.chunkSize, art.size));
      const payload = encodeForTopic("ota/chunk", {
        modelId: art.modelId,
        version: art.version,
        index,
        data: [...data],
      });
      client.publish(topic, payload, { qos: 1 });
    }
  }
}
