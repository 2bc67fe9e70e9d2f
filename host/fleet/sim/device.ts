/**
 * One virtual node: the real device transport (device/transport: DeviceLink over MQTT.js, with
 * store-and-forward) and the real OTA updater (device/ota: A/B slots in memory, Ed25519 +
 * SHA-256 verification, model-format validation), driven by a DetectorHook. A device started
 * with a device image stands for one on an image bundle: it takes images over OTA and refuses
 * model files, as that bundle (which has no decoder) would, and the other way round.
 */

import { NodeEd25519Verifier, NodeSha256 } from "../../../device/ota/node";
import { MemorySlotStore } from "../../../device/ota/slots";
import { OtaUpdater } from "../../../device/ota/updater";
import { CommandGate } from "../../../device/transport/command-auth";
import { connectDevice, type MqttDevice } from "../../../device/transport/mqttjs";
import { artifactKind, kindMismatch, readArtifactFile } from "../../ota/artifact-file";
import type { DetectorHook } from "./detector";

export interface VirtualDeviceOptions {
  /** Broker URL without credentials, e.g. mqtt://127.0.0.1:1883 */
  url: string;
  fleet: string;
  device: string;
  password?: string;
  /** The model file or device image the device starts with (slot A). */
  model: Uint8Array;
  /** Raw Ed25519 public key that OTA artifacts must verify against. */
  publicKey?: Uint8Array;
  detector: DetectorHook;
  telemetryEveryMs?: number;
  runtimeVersion?: string;
  /** First detection sequence number (default 1); must exceed every one used before. */
  firstSeq?: number;
  /** Extra MQTT.js options (keepalive, connectTimeout). */
  mqtt?: Record<string, unknown>;
}

export interface VirtualDevice {
  mqtt: MqttDevice;
  activations: number;
  reverts: number;
  close(): Promise<void>;
}

const noControl = {
  setThreshold: () => undefined,
  setSmoothing: () => undefined,
  setStride: () => undefined,
  reboot: () => {},
};

export function startVirtualDevice(o: VirtualDeviceOptions): VirtualDevice {
  const model = readArtifactFile(o.model).model;
  const runs = artifactKind(o.model);
  const runtimeVersion = o.runtimeVersion ?? "0.1.0";
  const active = { modelId: model.modelId, version: model.modelVersion };
  const slots = new MemorySlotStore([...o.model]);
  // The model bytes running now and the ones the last activation replaced (a revert goes back).
  let running = o.model;
  let replaced: Uint8Array | undefined;
  const self: VirtualDevice = {
    mqtt: undefined as unknown as MqttDevice,
    activations: 0,
    reverts: 0,
    close,
  };
  const ota = o.publicKey
    ? new OtaUpdater({
        store: slots,
        verifier: new NodeEd25519Verifier(o.publicKey),
        sha256: new NodeSha256(),
        runtimeVersion,
        fleet: o.fleet,
        active,
        maxModelBytes: 256 * 1024,
        now: () => Date.now(),
        validateModel: (bytes) => {
          const other = kindMismatch(runs, bytes);
          if (other !== undefined) throw new Error(other);
          readArtifactFile(bytes);
          o.detector.validate?.(Uint8Array.from(bytes));
        },
        onActivated: (_m, slot) => {
          self.activations++;
          replaced = running;
          running = Uint8Array.from(slots.read(slot, 0, _m.size));
          o.detector.modelChanged?.(running);
        },
        onReverted: () => {
          if (replaced === undefined) return;
          self.reverts++;
          running = replaced;
          replaced = undefined;
          o.detector.modelChanged?.(running);
        },
      })
    : undefined;
  const dev = connectDevice({
    url: o.url,
    username: o.device,
    password: o.password,
    fleet: o.fleet,
    device: o.device,
    runtimeVersion,
    model: active,
    control: o.detector.control?.() ?? noControl,
    now: () => Date.now(),
    clockSynced: true,
    firstSeq: o.firstSeq ?? 1,
    ringCapacity: 1024,
    telemetryEveryMs: o.telemetryEveryMs,
    telemetry: () => o.detector.counters(),
    ota,
    commandGate: o.publicKey
      ? new CommandGate(new NodeEd25519Verifier(o.publicKey), o.fleet)
      : undefined,
    otaStallMs: 2000,
    reconnectPeriodMs: 1000 + Math.floor(Math.random() * 1000), // no thundering herd
    tickMs: 250,
    mqtt: o.mqtt,
  });
  self.mqtt = dev;
  o.detector.start((d) => dev.link.detection(d));
  async function close() {
    o.detector.stop();
    await dev.close();
  }
  return self;
}
