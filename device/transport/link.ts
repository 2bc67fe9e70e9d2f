/**
 * DeviceLink: the device side of the protocol, independent of any MQTT library (portable
 * subset, callbacks only, no timers, no Promises). A host binding (device/transport/mqttjs.ts for
 * Node; README.md for Espruino, JerryScript and Lua) owns the MQTT connection and forwards its
 * events: connected(), disconnected(), message(topic, bytes), tick(nowMs); the link publishes
 * through the MqttPort it was given.
 *
 * Detections are encoded at once and kept in a fixed-capacity ring until the broker acknowledges
 * them (QoS 1): offline they accumulate (oldest dropped and counted when full) and on reconnect
 * they are replayed in sequence order, at most `inflight` at a time.
 */
import { decodeMessage, encodeMessage } from "../../protocol/codec";
import type { Command, Detection, OtaReport, OtaRequest, Telemetry } from "../../protocol/messages";
import { deviceSubscriptions, deviceTopic, parseTopic } from "../../protocol/topics";
import type { ActiveModel } from "../ota/interfaces";
import type { OtaStep, OtaUpdater } from "../ota/updater";
import type { DetectionEvent } from "../runtime/stream/recognizer";
import type { CommandGate } from "./command-auth";
import { Ring } from "./ring";

/** What the host MQTT binding provides. */
export interface MqttPort {
  /** `done(ok)` fires when QoS 1 is acknowledged (ok) or the publish is abandoned (not ok). */
  publish(
    topic: string,
    payload: number[],
    qos: number,
    retain: boolean,
    done: (ok: boolean) => void,
  ): void;
  subscribe(filters: string[]): void;
  /**
   * True when the client itself redelivers unacknowledged QoS 1 publishes after a reconnect
   * (MQTT.js does); false when those are lost with the connection (the link resends them).
   */
  keepsInflight: boolean;
}

/** Runtime controls the commands act on; each returns an error message or undefined. */
export interface RuntimeControl {
  setThreshold(value: number, keyword: string | undefined): string | undefined;
  setSmoothing(window: number): string | undefined;
  setStride(frames: number): string | undefined;
  /** Called after the ack is handed to the port. */
  reboot(): void;
  /** Feature windows to send per hour (detections and near misses), 0: none. */
  setCapture?(perHour: number): string | undefined;
}

/** Runtime counters the link adds its own fields to. */
export type TelemetryCounters = Omit<
  Telemetry,
  "seq" | "timeMs" | "uptimeMs" | "modelId" | "modelVersion" | "buffered" | "dropped" | "reconnects"
>;

/**
 * A runtime detection (device/runtime DetectionEvent: keyword and score) as handed to the link,
 * with the time and optional features; the link adds seq and model.
 */
export type LinkDetection = Pick<DetectionEvent, "keyword" | "score"> & {
  timeMs?: number;
  featureShape?: number[];
  features?: number[];
  /** features[i] * featureScale is the window's value. */
  featureScale?: number;
  /** A near miss captured for the host (not a detection). */
  nearMiss?: boolean;
};

export interface DeviceLinkOptions {
  fleet: string;
  device: string;
  runtimeVersion: string;
  /** The model running at start; replaced by the OTA updater's active model when given. */
  model: ActiveModel;
  control: RuntimeControl;
  /** Monotonic ms clock (uptime base) and wall clock; `clockSynced` says if wall time is real. */
  now: () => number;
  clockSynced: boolean;
  /** First sequence number; must exceed every one used before (persist it on MCUs). */
  firstSeq: number;
  ringCapacity?: number;
  inflight?: number;
  telemetryEveryMs?: number;
  telemetry?: () => TelemetryCounters;
  ota?: OtaUpdater;
  /** Re-request missing OTA chunks after this long without one. */
  otaStallMs?: number;
  /** Cohorts this device belongs to (staged rollouts): it also listens on `_c.{cohort}`. */
  cohorts?: string[];
  /**
   * Signed commands: with a gate (the OTA public key and the fleet), unsigned, forged, replayed
   * and other-fleet commands are refused and the refusal is the ack's error. Without one (a
   * development link with no key) commands are taken as they come.
   */
  commandGate?: CommandGate;
}

interface Pending {
  seq: number;
  payload: number[];
  acked: boolean;
}

export interface LinkStats {
  online: boolean;
  buffered: number;
  dropped: number;
  acked: number;
  reconnects: number;
  rejected: number;
  /** Commands refused by the signature gate. */
  refusedCommands: number;
  lastError: string;
}

export class DeviceLink {
  private readonly ring: Ring<Pending>;
  private readonly inflight: number;
  private port: MqttPort | undefined = undefined;
  private online = false;
  /** Entries from the ring's head handed to the port and not yet acknowledged. */
  private handed = 0;
  private rewind = false;
  private seq: number;
  private telSeq = 0;
  private acked = 0;
  private reconnects = -1;
  private rejected = 0;
  private refusedCommands = 0;
  private lastError = "";
  private readonly bootMs: number;
  private lastTelemetryMs: number;
  private lastChunkMs = 0;

  constructor(private readonly opts: DeviceLinkOptions) {
    this.ring = new Ring<Pending>(opts.ringCapacity !== undefined ? opts.ringCapacity : 256);
    this.inflight = opts.inflight !== undefined ? opts.inflight : 16;
    this.seq = opts.firstSeq;
    this.bootMs = opts.now();
    this.lastTelemetryMs = this.bootMs;
  }

  topic(kind: "det" | "tel" | "status" | "ack" | "ota/req" | "ota/report"): string {
    return deviceTopic(this.opts.fleet, this.opts.device, kind);
  }

  model(): ActiveModel {
    return this.opts.ota !== undefined ? this.opts.ota.active() : this.opts.model;
  }

  /** The MQTT last will: status offline, retained, QoS 1. Set it when connecting. */
  will(): { topic: string; payload: number[]; qos: number; retain: boolean } {
    return {
      topic: this.topic("status"),
      payload: this.statusPayload(false, "lost"),
      qos: 1,
      retain: true,
    };
  }

  stats(): LinkStats {
    return {
      online: this.online,
      buffered: this.ring.size(),
      dropped: this.ring.dropped,
      acked: this.acked,
      reconnects: this.reconnects < 0 ? 0 : this.reconnects,
      rejected: this.rejected,
      refusedCommands: this.refusedCommands,
      lastError: this.lastError,
    };
  }

  /** Record a detection: buffered, then published in order when online. Returns its seq. */
  detection(d: LinkDetection): number {
    const m = this.model();
    const seq = this.seq;
    this.seq++;
    const msg: Detection = {
      seq,
      timeMs: d.timeMs !== undefined ? d.timeMs : this.opts.now(),
      clockSynced: this.opts.clockSynced,
      keyword: d.keyword,
      score: d.score,
      modelId: m.modelId,
      modelVersion: m.version,
    };
    if (d.features !== undefined) {
      msg.featureShape = d.featureShape;
      msg.features = d.features;
      if (d.featureScale !== undefined) msg.featureScale = d.featureScale;
    }
    if (d.nearMiss === true) msg.nearMiss = true;
    const evicted = this.ring.push({ seq, payload: encodeMessage("det", msg), acked: false });
    if (evicted !== undefined && this.handed > 0) this.handed--;
    this.pump();
    return seq;
  }

  connected(port: MqttPort): void {
    this.port = port;
    this.online = true;
    this.reconnects++;
    if (!port.keepsInflight || this.rewind) {
      // Unacknowledged publishes died with the connection: resend them, oldest first.
      this.handed = 0;
      this.rewind = false;
    }
    port.subscribe(deviceSubscriptions(this.opts.fleet, this.opts.device, this.opts.cohorts));
    this.publish("status", this.statusPayload(true, undefined), 1, true);
    if (this.opts.ota !== undefined) this.otaRequest(this.opts.ota.request());
    this.pump();
  }

  disconnected(): void {
    this.online = false;
  }

  /** Orderly shutdown: publish status offline (the will covers crashes). */
  shutdown(): void {
    if (this.online) this.publish("status", this.statusPayload(false, "shutdown"), 1, true);
  }

  tick(nowMs: number): void {
    const every = this.opts.telemetryEveryMs;
    if (this.online && every !== undefined && nowMs - this.lastTelemetryMs >= every)
      this.sendTelemetry();
    const ota = this.opts.ota;
    const stall = this.opts.otaStallMs !== undefined ? this.opts.otaStallMs : 5000;
    if (
      this.online &&
      ota !== undefined &&
      ota.progress() !== undefined &&
      nowMs - this.lastChunkMs >= stall
    ) {
      this.lastChunkMs = nowMs;
      this.otaRequest(ota.request());
    }
  }

  /** An incoming publish. Malformed or misaddressed input is counted and dropped, never thrown. */
  message(topic: string, payload: number[]): void {
    try {
      const t = parseTopic(topic);
      if (t.fleet !== this.opts.fleet) throw new Error(`topic for fleet ${t.fleet}`);
      if (t.target.scope === "device" && t.target.id !== this.opts.device) {
        throw new Error(`topic for device ${t.target.id}`);
      }
      if (t.target.scope === "cohort" && !this.inCohort(t.target.id)) {
        throw new Error(`topic for cohort ${t.target.id}`);
      }
      if (t.kind === "cmd") this.onCommand(decodeMessage("cmd", payload));
      else if (t.kind === "ota/offer")
        this.onOta(this.otaOrFail().handleOffer(decodeMessage("otaOffer", payload)));
      else if (t.kind === "ota/chunk") {
        this.lastChunkMs = this.opts.now();
        this.onOta(this.otaOrFail().handleChunk(decodeMessage("otaChunk", payload)));
      } else throw new Error(`devices do not receive ${t.kind}`);
    } catch (e) {
      this.rejected++;
      this.lastError = e instanceof Error ? e.message : String(e);
    }
  }

  sendTelemetry(): void {
    this.lastTelemetryMs = this.opts.now();
    const counters: TelemetryCounters =
      this.opts.telemetry !== undefined
        ? this.opts.telemetry()
        : { frames: 0, inferences: 0, detections: 0, nearMisses: 0, stages: [] };
    const m = this.model();
    const s = this.stats();
    const tel: Telemetry = {
      ...counters,
      seq: this.telSeq,
      timeMs: this.lastTelemetryMs,
      uptimeMs: this.lastTelemetryMs - this.bootMs,
      modelId: m.modelId,
      modelVersion: m.version,
      buffered: s.buffered,
      dropped: s.dropped,
      reconnects: s.reconnects,
    };
    this.telSeq++;
    this.publish("tel", encodeMessage("tel", tel), 0, false);
  }

  private inCohort(id: string): boolean {
    const c = this.opts.cohorts;
    if (c === undefined) return false;
    for (let i = 0; i < c.length; i++) if (c[i] === id) return true;
    return false;
  }

  private otaOrFail(): OtaUpdater {
    if (this.opts.ota === undefined) throw new Error("this device does not take OTA updates");
    return this.opts.ota;
  }

  private onCommand(cmd: Command): void {
    const c = this.opts.control;
    let error: string | undefined;
    const gate = this.opts.commandGate;
    const refused = gate !== undefined ? gate.check(cmd) : "";
    if (refused !== "") {
      this.refusedCommands++;
      this.lastError = refused;
      this.publish(
        "ack",
        encodeMessage("ack", { cmdId: cmd.cmdId, ok: false, error: refused }),
        1,
        false,
      );
      return;
    }
    if (cmd.op === "revert") {
      error = this.revert(cmd);
    } else if (cmd.op === "setCapture") {
      error =
        cmd.capture === undefined
          ? "capture missing"
          : c.setCapture !== undefined
            ? c.setCapture(cmd.capture)
            : "this device cannot capture feature windows";
    } else if (cmd.op === "setThreshold") {
      error =
        cmd.threshold === undefined
          ? "threshold missing"
          : c.setThreshold(cmd.threshold, cmd.keyword);
    } else if (cmd.op === "setSmoothing") {
      error = cmd.smoothing === undefined ? "smoothing missing" : c.setSmoothing(cmd.smoothing);
    } else if (cmd.op === "setStride") {
      error =
        cmd.strideFrames === undefined ? "strideFrames missing" : c.setStride(cmd.strideFrames);
    } else if (cmd.op === "sendTelemetry") {
      this.sendTelemetry();
    }
    const ack =
      error === undefined ? { cmdId: cmd.cmdId, ok: true } : { cmdId: cmd.cmdId, ok: false, error };
    this.publish("ack", encodeMessage("ack", ack), 1, false);
    if (cmd.op === "reboot") c.reboot();
  }

  private revert(cmd: Command): string | undefined {
    const ota = this.opts.ota;
    if (ota === undefined) return "this device does not take OTA updates";
    if (cmd.modelId === undefined || cmd.version === undefined) return "modelId/version missing";
    const r = ota.revert(cmd.modelId, cmd.version);
    if (typeof r === "string") return r;
    this.otaReport(r);
    this.publish("status", this.statusPayload(true, undefined), 1, true);
    return undefined;
  }

  private onOta(step: OtaStep): void {
    if (step.report !== undefined) this.otaReport(step.report);
    if (step.request !== undefined) this.otaRequest(step.request);
    // The retained status names the running model: the host's device row follows it at once.
    if (step.status === "activated")
      this.publish("status", this.statusPayload(true, undefined), 1, true);
  }

  private otaReport(r: OtaReport): void {
    this.publish("ota/report", encodeMessage("otaReport", r), 1, false);
  }

  private otaRequest(r: OtaRequest | undefined): void {
    if (r === undefined) return;
    this.lastChunkMs = this.opts.now();
    this.publish("ota/req", encodeMessage("otaReq", r), 1, false);
  }

  private statusPayload(online: boolean, reason: string | undefined): number[] {
    const m = this.model();
    const s = {
      online,
      timeMs: this.opts.now(),
      runtime: this.opts.runtimeVersion,
      modelId: m.modelId,
      modelVersion: m.version,
      reason,
    };
    return encodeMessage("status", s);
  }

  private publish(
    kind: "tel" | "status" | "ack" | "ota/req" | "ota/report",
    payload: number[],
    qos: number,
    retain: boolean,
  ): void {
    if (!this.online || this.port === undefined) return; // only detections are stored offline
    this.port.publish(this.topic(kind), payload, qos, retain, () => {});
  }

  /** Hand buffered detections to the port, oldest first, keeping at most `inflight` unacked. */
  private pump(): void {
    const port = this.port;
    while (
      this.online &&
      port !== undefined &&
      this.handed < this.inflight &&
      this.handed < this.ring.size()
    ) {
      const entry = this.ring.at(this.handed) as Pending;
      this.handed++;
      port.publish(this.topic("det"), entry.payload, 1, false, (ok) => this.onAck(entry, ok));
    }
  }

  private onAck(entry: Pending, ok: boolean): void {
    if (entry.acked) return; // a second acknowledgement of the same publish
    if (!ok) {
      this.rewind = true; // resend from the oldest unacknowledged on the next connect
      return;
    }
    entry.acked = true;
    this.acked++;
    while (this.ring.size() > 0 && (this.ring.at(0) as Pending).acked) {
      this.ring.shift();
      if (this.handed > 0) this.handed--;
    }
    this.pump();
  }
}
