/**
 * The fleet service: a broker (embedded aedes, or an external one by URL), a store (PGlite or
 * PostgreSQL), ingest workers, the OTA responder and the HTTP API, wired together. Each part is
 * its own module; this file only starts and stops them in order.
 */
import type { Server } from "node:http";
import mqtt, { type MqttClient } from "mqtt";
import { publicKeyFrom } from "../../protocol/ota/keys";
import { OtaService } from "../ota/service";
import { newApiToken, storedApiToken, tokenHash } from "./api-token";
import { SERVICE_USER } from "./broker/acl";
import { newPassword } from "./broker/credentials";
import { type EmbeddedBroker, startEmbeddedBroker } from "./broker/embedded";
import { checkBrokerUrl } from "./broker/url";
import { CommandRelay } from "./commands/relay";
import { calibrationData } from "./field/calibrate";
import { nearMisses, windowsOf } from "./field/near-misses";
import { fieldQuality, qualityTimeline } from "./field/quality";
import { RolloutManager } from "./field/rollout";
import { type Verifier, VerifierLoop } from "./field/verifier";
import { startHttp } from "./http";
import { serviceClientIds } from "./ingest/client-ids";
import { inBrokerIngest } from "./ingest/in-broker";
import { FleetMetrics } from "./ingest/metrics";
import { MqttIngest } from "./ingest/mqtt";
import { IngestPipeline } from "./ingest/pipeline";
import { openStore, type StoreOptions } from "./store/open";
import type { SqlStore } from "./store/sql-store";

export interface FleetServiceOptions extends StoreOptions {
  /** External broker, e.g. mqtt://earshot-service:PASSWORD@host:1883 */
  mqttUrl?: string;
  /**
   * Logins of the embedded broker (credentials.json: device id -> password, and the service
   * account). Default: the service account only, with a random password.
   */
  credentials?: Map<string, string>;
  /** Device -> fleet for the embedded broker (credentials.json `{ password, fleet }` entries). */
  deviceFleets?: Map<string, string>;
  /** Port of the embedded aedes broker (used when mqttUrl is absent). */
  embeddedBrokerPort?: number;
  /** HTTP port (0: any free port). */
  httpPort: number;
  httpHost?: string;
  /** Ingest connections; more than one share an MQTT 5 shared subscription (default 1). */
  workers?: number;
  /** MQTT protocol version towards an external broker (default 5). */
  protocolVersion?: 4 | 5;
  /** Shared-subscription group and client-id prefix; several services share one group. */
  group?: string;
  /** MQTT 5 shared subscription even for one worker (default: when workers > 1). */
  shared?: boolean;
  fleet?: string;
  log?: (line: string) => void;
  /** OTA public keys (raw Ed25519) whose artifacts the service accepts for publishing. */
  otaPublicKeys?: Uint8Array[];
  /** Bearer token of the HTTP API (default: a random one, see `apiToken`). */
  apiToken?: string;
  /** Or only its SHA-256, hex (what `fleet serve` keeps in its token file); wins over apiToken. */
  apiTokenHash?: string;
  /**
   * Keep the token's hash in the store: the first start of a database creates the token
   * (`createdToken`); later starts check against the stored hash. Wins over both above.
   */
  apiTokenInStore?: boolean;
  /** Node default metrics (event loop, heap) on /metrics. */
  defaultMetrics?: boolean;
  /**
   * The host verifier's reference model (field/verifier.ts): re-scores the windows sent with
   * detections for the false-accept estimate. Absent: no estimate (figures stay n/a).
   */
  verifier?: Verifier;
  /** How often rollouts are evaluated (default 1000 ms). */
  rolloutEveryMs?: number;
}

export interface FleetUrls {
  http: string;
  summary: string;
  metrics: string;
  mqtt: string;
}

export class FleetService {
  readonly metrics: FleetMetrics;
  private broker?: EmbeddedBroker;
  private store?: SqlStore;
  private pipeline?: IngestPipeline;
  private ingest?: MqttIngest;
  /** Messages received per ingest worker connection. */
  get perWorker(): number[] {
    return this.ingest?.perWorker.slice() ?? [];
  }
  private control?: MqttClient;
  private http?: Server;
  private verifierLoop?: VerifierLoop;
  private rollouts?: RolloutManager;
  urls?: FleetUrls;

  /** What HTTP clients send as `Authorization: Bearer ...` ("" when only its hash is known). */
  apiToken: string;
  private apiTokenHash: string;
  /** The token this start created (apiTokenInStore, first start of the database): show it once. */
  createdToken?: string;

  constructor(private readonly opts: FleetServiceOptions) {
    this.metrics = new FleetMetrics(opts.defaultMetrics ?? false);
    this.apiToken = opts.apiTokenHash ? "" : (opts.apiToken ?? newApiToken());
    this.apiTokenHash = opts.apiTokenHash ?? tokenHash(this.apiToken);
  }

  /**
   * Starts the parts in the order that keeps the ack promise: the store first, then the
   * pipeline, and only then the embedded broker (with ingest in its publish path), so no device
   * is ever acked before its message can be committed. On any failure what was started is
   * stopped again and the error (one line naming the cause) is rethrown.
   */
  async start(): Promise<FleetUrls> {
    try {
      return await this.startParts();
    } catch (e) {
      await this.kill().catch(() => {});
      throw e;
    }
  }

  private async startParts(): Promise<FleetUrls> {
    const o = this.opts;
    const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
    if (o.mqttUrl) checkBrokerUrl(o.mqttUrl);
    this.store = await openStore(o);
    const store = this.store;
    if (o.apiTokenInStore) {
      const t = await storedApiToken(store.driver);
      this.apiTokenHash = t.hash;
      this.apiToken = t.token ?? "";
      this.createdToken = t.created ? t.token : undefined;
    }
    const ota = new OtaService(store, () => this.controlClient(), log, o.otaPublicKeys);
    const pipeline = new IngestPipeline(store, this.metrics, {
      log,
      hooks: { onOtaRequest: (origin, req) => ota.onRequest(origin, req) },
    });
    this.pipeline = pipeline;
    let url = o.mqttUrl;
    let protocolVersion = o.protocolVersion ?? 5;
    if (!url) {
      const credentials = new Map(o.credentials);
      if (!credentials.has(SERVICE_USER)) credentials.set(SERVICE_USER, newPassword());
      this.broker = await startEmbeddedBroker({
        credentials,
        fleets: o.deviceFleets,
        port: o.embeddedBrokerPort ?? 1883,
        beforeAck: inBrokerIngest(pipeline, o.fleet),
      });
      url = withUser(this.broker.url, SERVICE_USER, credentials.get(SERVICE_USER) ?? "");
      protocolVersion = 4; // aedes speaks MQTT 3.1.1
    }
    const group = o.group ?? "earshot-ingest";
    if (o.mqttUrl) {
      // An external broker holds messages in the ingest session until the deferred PUBACK.
      const workers = o.workers ?? 1;
      this.ingest = new MqttIngest(pipeline, this.metrics, {
        url,
        workers,
        protocolVersion,
        group,
        fleet: o.fleet,
        shared: o.shared ?? workers > 1,
        log,
      });
      await this.ingest.start();
    }
    this.control = mqtt.connect(url, {
      clientId: serviceClientIds(url, group).control,
      protocolVersion,
      reconnectPeriod: 500,
    });
    this.control.on("error", (e) => log(`control connection: ${e.message}`));
    const trusted = (o.otaPublicKeys ?? []).map((k) => publicKeyFrom(k));
    const relay = new CommandRelay(store.driver, () => this.controlClient(), trusted);
    const vt = () => o.verifier?.threshold ?? null;
    const rollouts = new RolloutManager(
      store.driver,
      store,
      ota,
      relay,
      () => this.controlClient(),
      trusted,
      vt,
      log,
      o.rolloutEveryMs,
    );
    this.rollouts = rollouts;
    if (o.verifier) {
      this.verifierLoop = new VerifierLoop(store.driver, o.verifier, log);
      this.verifierLoop.start();
    }
    rollouts.start();
    this.http = await startHttp(
      {
        store,
        metrics: this.metrics,
        publish: (body) => ota.publish(body),
        field: {
          quality: (q) => fieldQuality(store.driver, q, vt()),
          timeline: (bucket, fleet) => qualityTimeline(store.driver, vt(), bucket, fleet),
          nearMisses: (q) => nearMisses(store.driver, q),
          rollout: (body) => rollouts.begin(body),
          rollouts: () => rollouts.list(),
          command: (body) => relay.send(body),
          commands: (cmdId) => relay.list(cmdId),
          calibration: (q) => calibrationData(store.driver, q.fleet, vt(), q),
          windows: async (q) => ({
            verifierThreshold: vt(),
            windows: await windowsOf(store.driver, q),
          }),
        },
        tokenHash: this.apiTokenHash,
      },
      o.httpPort,
      o.httpHost,
    );
    const addr = this.http.address() as { port: number; address: string };
    const http = `http://${o.httpHost ?? "127.0.0.1"}:${addr.port}`;
    this.urls = {
      http,
      summary: `${http}/api/summary`,
      metrics: `${http}/metrics`,
      mqtt: redactUrl(url),
    };
    return this.urls;
  }

  private controlClient(): MqttClient {
    if (!this.control) throw new Error("the service's MQTT connection is not up yet");
    return this.control;
  }

  /** Graceful stop: everything accepted is stored and acked before the connections close. */
  async stop(): Promise<void> {
    await this.stopField();
    await this.ingest?.stop();
    await this.closeBroker(); // no new publishes; what the pipeline holds is stored below
    await this.pipeline?.drain();
    await this.shutdown();
  }

  /** Crash-like stop for tests: connections drop with messages unacked. */
  async kill(): Promise<void> {
    await this.stopField();
    await this.ingest?.kill();
    this.pipeline?.abandon();
    await this.shutdown();
  }

  /** The rollout and verifier loops stop first: nothing they start outlives the broker. */
  private async stopField(): Promise<void> {
    await this.rollouts?.stop();
    await this.verifierLoop?.stop();
  }

  private async shutdown(): Promise<void> {
    await this.stopField();
    await this.control?.endAsync(true);
    if (this.http) {
      this.http.closeAllConnections();
      await new Promise<void>((r) => this.http?.close(() => r()));
    }
    await this.closeBroker();
    await this.store?.close();
  }

  private async closeBroker(): Promise<void> {
    const b = this.broker;
    this.broker = undefined;
    await b?.close();
  }
}

function withUser(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = encodeURIComponent(password);
  return u.toString();
}

function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}
