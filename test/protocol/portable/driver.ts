/**
 * Engine parity driver (portable subset): exercises the device-side protocol code (codec,
 * topics, ring, DeviceLink, OTA updater) and prints one line per result. The test runs it on
 * Node, under Duktape (ES5 via esbuild + tsc) and under Lua 5.3 (typescript-to-lua) and
 * requires identical output.
 */
import type { SignatureVerifier } from "../../../device/ota/interfaces";
import { PortableSha256 } from "../../../device/ota/portable-sha256";
import { MemorySlotStore } from "../../../device/ota/slots";
import { OtaUpdater } from "../../../device/ota/updater";
import { DeviceLink, type MqttPort } from "../../../device/transport/link";
import { Ring } from "../../../device/transport/ring";
import { detectorControl, ScoreMonitor } from "../../../device/transport/runtime-bridge";
import { decodeAnyMessage, decodeMessage, encodeMessage } from "../../../protocol/codec";
import type { ProtocolError } from "../../../protocol/errors";
import type { Detection } from "../../../protocol/messages";
import { deviceTopic, parseTopic } from "../../../protocol/topics";
import { f32Bits } from "../../../protocol/wire/bytes";
import { sha256 } from "../../../shared/portable/sha256";
import { samples } from "../samples";

const HEX = "0123456789abcdef";
function hex(bytes: number[]): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    const hi = Math.floor(b / 16);
    const lo = b - hi * 16;
    s += HEX.substring(hi, hi + 1) + HEX.substring(lo, lo + 1);
  }
  return s;
}

function errLine(e: unknown): string {
  const p = e as ProtocolError;
  if (p.expected === true && p.code !== undefined) return `ERR ${p.code} ${p.field} ${p.offset}`;
  return "ERR (not a ProtocolError)";
}

export function run(print: (line: string) => void): void {
  // Codec: every sample encodes to the same bytes and round-trips canonically.
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    const bytes = encodeMessage(s.kind, s.msg as never);
    const back = decodeAnyMessage(bytes);
    const again = encodeMessage(back.kind, back.message as never);
    print(`${s.kind} ${hex(bytes)} ${hex(again) === hex(bytes) ? "same" : "DIFFERENT"}`);
  }
  const floats = [0.1, -2.5, 1e-40, 3.4e38, 0.333333333, 65504.5, 1e-45];
  let fl = "";
  for (let i = 0; i < floats.length; i++) fl += ` ${f32Bits(floats[i])}`;
  print(`f32${fl}`);
  const bad: number[][] = [
    [],
    [1],
    [2, 1],
    [1, 99],
    [1, 1, 0, 0x80],
    [1, 4, 0, 0x87, 0],
    [1, 4, 0, 1, 9],
    [1, 1, 4],
  ];
  for (let i = 0; i < bad.length; i++) {
    try {
      decodeAnyMessage(bad[i]);
      print("accepted");
    } catch (e) {
      print(errLine(e));
    }
  }
  const dec = decodeMessage("det", encodeMessage("det", samples[1].msg as Detection));
  print(`det.features ${dec.features === undefined ? "none" : dec.features.join(",")}`);

  // Topics.
  const topics = [
    "earshot/v1/f/d-1/det",
    "earshot/v1/f/_all/ota/chunk",
    "earshot/v1/f/_c.beta/cmd",
    "earshot/v1/f/+/det",
    "x/y",
  ];
  for (let i = 0; i < topics.length; i++) {
    try {
      const t = parseTopic(topics[i]);
      print(
        `topic ${t.fleet} ${t.target.scope} ${t.target.scope === "fleet" ? "-" : t.target.id} ${t.kind}`,
      );
    } catch (e) {
      print(errLine(e));
    }
  }

  // Ring.
  const r = new Ring<number>(3);
  for (let i = 0; i < 5; i++) r.push(i);
  print(`ring ${r.at(0)} ${r.at(2)} dropped ${r.dropped}`);

  // DeviceLink: offline buffering, ordered replay, commands.
  const sent: { topic: string; payload: number[]; done: (ok: boolean) => void }[] = [];
  const port: MqttPort = {
    keepsInflight: false,
    publish: (topic, payload, _qos, _retain, done) => {
      sent.push({ topic, payload, done });
    },
    subscribe: () => {},
  };
  let clock = 100;
  const link = new DeviceLink({
    fleet: "f",
    device: "d",
    runtimeVersion: "0.1.0",
    model: { modelId: "m", version: 1 },
    control: {
      setThreshold: () => undefined,
      setSmoothing: () => "no smoothing here",
      setStride: () => undefined,
      reboot: () => {},
    },
    now: () => {
      clock++;
      return clock;
    },
    clockSynced: false,
    firstSeq: 7,
    ringCapacity: 4,
    inflight: 2,
  });
  for (let i = 0; i < 6; i++) link.detection({ keyword: "yes", score: 0.5 });
  link.connected(port);
  for (let i = 0; i < sent.length; i++) sent[i].done(true);
  for (let i = 0; i < sent.length; i++) sent[i].done(true);
  link.message(
    deviceTopic("f", "d", "cmd"),
    encodeMessage("cmd", { cmdId: 3, op: "setSmoothing", smoothing: 2 }),
  );
  link.message(deviceTopic("f", "d", "cmd"), [1, 4]);
  let line = "link";
  for (let i = 0; i < sent.length; i++)
    line += ` ${sent[i].topic.substring(13)}:${hex(sent[i].payload).substring(0, 12)}`;
  print(line);
  const st = link.stats();
  print(`link stats ${st.buffered} ${st.dropped} ${st.acked} ${st.rejected}`);

  // OTA updater with the portable SHA-256 (Ed25519 stands behind the verifier interface).
  const model: number[] = [];
  for (let i = 0; i < 700; i++) model.push((i * 7) % 256);
  const manifest = encodeMessage("manifest", {
    modelId: "m",
    version: 2,
    size: 700,
    sha256: sha256(model),
    chunkSize: 256,
    minRuntime: "0.1.0",
    threshold: 0.5,
    smoothing: 3,
    createdMs: 1,
    fleet: "f",
  });
  const sig: number[] = [];
  for (let i = 0; i < 64; i++) sig.push(i);
  const verifier: SignatureVerifier = { verify: (_m, s) => s[0] === 0 };
  const store = new MemorySlotStore([1, 2, 3]);
  const ota = new OtaUpdater({
    store,
    verifier,
    sha256: new PortableSha256(),
    runtimeVersion: "0.1.0",
    fleet: "f",
    active: { modelId: "m", version: 1 },
    maxModelBytes: 1000,
    now: () => 5,
  });
  let step = ota.handleOffer({ manifest, signature: sig });
  print(
    `ota offer ${step.status} ${step.request === undefined ? "" : step.request.missing.join(",")}`,
  );
  for (let i = 2; i >= 0; i--) {
    const data: number[] = [];
    for (let j = i * 256; j < model.length && j < (i + 1) * 256; j++) data.push(model[j]);
    step = ota.handleChunk({ modelId: "m", version: 2, index: i, data });
  }
  print(
    `ota ${step.status} ${step.report === undefined ? "" : step.report.outcome} slot ${store.activeSlot()}`,
  );
  const sig2: number[] = [];
  for (let i = 0; i < 64; i++) sig2.push(1);
  const refused = ota.handleOffer({ manifest, signature: sig2 });
  print(`ota ${refused.status} ${refused.report === undefined ? "" : refused.report.outcome}`);

  // Runtime bridge: score monitor (arrow-property callback) and commands over a settings holder.
  const mon = new ScoreMonitor(["_silence_", "yes"], 1 / 100, () => 0.8, 5, 0.5);
  const scores = [10, 45, 70, 20, 50, 90, 10];
  const observe = mon.observe; // detached, as Detector.onScores holds it
  for (let i = 0; i < scores.length; i++) observe([99, scores[i]], i);
  print(`monitor ${mon.histogram.join(",")} near ${mon.nearMisses}`);
  let settings = { threshold: 0.5, smoothingWindow: 3, strideFrames: 1, suppressionMs: 0 };
  const ctl = detectorControl(
    {
      configure: (x) => {
        if (x.strideFrames < 1) throw new Error("bad stride");
        settings = x;
      },
      getSettings: () => ({
        threshold: settings.threshold,
        smoothingWindow: settings.smoothingWindow,
        strideFrames: settings.strideFrames,
        suppressionMs: settings.suppressionMs,
      }),
    },
    64,
    () => {},
  );
  print(
    `control ${ctl.setStride(0)} ${ctl.setSmoothing(9) === undefined} ${settings.smoothingWindow}`,
  );
}
