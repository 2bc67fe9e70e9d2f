/** DeviceLink over an in-memory MqttPort: ring buffering, ordered replay, commands, hostile input. */
import { describe, expect, it } from "vitest";
import { NodeEd25519Verifier, NodeSha256 } from "../../device/ota/node";
import { MemorySlotStore } from "../../device/ota/slots";
import { OtaUpdater } from "../../device/ota/updater";
import { DeviceLink, type DeviceLinkOptions, type MqttPort } from "../../device/transport/link";
import { Ring } from "../../device/transport/ring";
import { decodeAnyMessage, encodeMessage } from "../../protocol/codec";
import type { Detection } from "../../protocol/messages";
import { buildArtifact, chunksForRequest } from "../../protocol/ota/artifact";
import { generateSigningKeys } from "../../protocol/ota/keys";
import { deviceTopic, fleetTopic } from "../../protocol/topics";

interface Sent {
  topic: string;
  payload: number[];
  qos: number;
  retain: boolean;
  done: (ok: boolean) => void;
}

function fakePort(keepsInflight = true) {
  const sent: Sent[] = [];
  const subs: string[] = [];
  const port: MqttPort = {
    keepsInflight,
    publish: (topic, payload, qos, retain, done) =>
      sent.push({ topic, payload, qos, retain, done }),
    subscribe: (f) => subs.push(...f),
  };
  return { port, sent, subs };
}

const controlLog: string[] = [];
function link(extra: Partial<DeviceLinkOptions> = {}) {
  let t = 1000;
  return new DeviceLink({
    fleet: "f",
    device: "d1",
    runtimeVersion: "0.1.0",
    model: { modelId: "kws", version: 1 },
    control: {
      setThreshold: (v, k) =>
        v < 0 || v > 1 ? "threshold out of 0..1" : void controlLog.push(`thr ${v} ${k}`),
      setSmoothing: (n) => void controlLog.push(`smooth ${n}`),
      setStride: (frames) => void controlLog.push(`stride ${frames}`),
      reboot: () => void controlLog.push("reboot"),
    },
    now: () => t++,
    clockSynced: false,
    firstSeq: 100,
    ...extra,
  });
}

const dets = (sent: Sent[]) =>
  sent
    .filter((s) => s.topic.endsWith("/det"))
    .map((s) => (decodeAnyMessage(s.payload).message as Detection).seq);

describe("Ring", () => {
  it("keeps FIFO order, drops and counts the oldest when full", () => {
    const r = new Ring<number>(3);
    for (let i = 0; i < 5; i++) r.push(i);
    expect(r.dropped).toBe(2);
    expect([r.at(0), r.at(1), r.at(2), r.at(3)]).toEqual([2, 3, 4, undefined]);
    expect(r.shift()).toBe(2);
    r.push(5);
    expect([r.shift(), r.shift(), r.shift(), r.shift()]).toEqual([3, 4, 5, undefined]);
    expect(() => new Ring(0)).toThrow(/capacity/);
  });
});

describe("DeviceLink store-and-forward", () => {
  it("buffers while offline and replays in order, `inflight` at a time, on connect", () => {
    const l = link({ inflight: 3 });
    for (let i = 0; i < 7; i++) l.detection({ keyword: "yes", score: 0.9 });
    expect(l.stats().buffered).toBe(7);
    const { port, sent, subs } = fakePort();
    l.connected(port);
    expect(subs).toContain("earshot/v1/f/d1/cmd");
    expect(sent[0].topic).toBe("earshot/v1/f/d1/status");
    expect(sent[0].retain).toBe(true);
    expect(dets(sent)).toEqual([100, 101, 102]);
    // Acks may arrive out of order; the ring pops only a contiguous acked prefix.
    const det = sent.filter((s) => s.topic.endsWith("/det"));
    det[1].done(true);
    expect(l.stats().buffered).toBe(7);
    det[0].done(true);
    expect(l.stats().buffered).toBe(5);
    // Ack everything else as the broker would; each ack lets the next buffered one out.
    const acked = new Set([det[0], det[1]]);
    for (let next = sent.find((x) => x.topic.endsWith("/det") && !acked.has(x)); next; ) {
      acked.add(next);
      next.done(true);
      next = sent.find((x) => x.topic.endsWith("/det") && !acked.has(x));
    }
    expect(dets(sent)).toEqual([100, 101, 102, 103, 104, 105, 106]);
    expect(l.stats()).toMatchObject({ buffered: 0, acked: 7, dropped: 0 });
  });

  it("drops the oldest when the ring is full and counts it", () => {
    const l = link({ ringCapacity: 4 });
    for (let i = 0; i < 10; i++) l.detection({ keyword: "no", score: 0.6 });
    const { port, sent } = fakePort();
    l.connected(port);
    expect(dets(sent)).toEqual([106, 107, 108, 109]);
    expect(l.stats().dropped).toBe(6);
  });

  it("resends unacknowledged detections after a reconnect when the client does not", () => {
    const l = link();
    const a = fakePort(false);
    l.connected(a.port);
    l.detection({ keyword: "go", score: 0.7 });
    l.detection({ keyword: "go", score: 0.7 });
    a.sent.filter((s) => s.topic.endsWith("/det"))[0].done(true);
    l.disconnected();
    l.detection({ keyword: "go", score: 0.7 });
    const b = fakePort(false);
    l.connected(b.port);
    expect(dets(b.sent)).toEqual([101, 102]);
  });

  it("carries the feature window and the last will is an offline status", () => {
    const l = link();
    const { port, sent } = fakePort();
    l.connected(port);
    l.detection({ keyword: "yes", score: 0.5, featureShape: [2, 1], features: [-3, 4] });
    expect(decodeAnyMessage(sent.at(-1)?.payload as number[]).message).toMatchObject({
      featureShape: [2, 1],
      features: [-3, 4],
      modelId: "kws",
    });
    const will = l.will();
    expect(will).toMatchObject({ topic: "earshot/v1/f/d1/status", qos: 1, retain: true });
    expect(decodeAnyMessage(will.payload).message).toMatchObject({ online: false, reason: "lost" });
  });
});

describe("DeviceLink commands and hostile input", () => {
  it("applies commands through RuntimeControl and acknowledges each", () => {
    const l = link();
    const { port, sent } = fakePort();
    l.connected(port);
    controlLog.length = 0;
    const cmd = (
      c: Parameters<typeof encodeMessage<"cmd">>[1],
      topic = deviceTopic("f", "d1", "cmd"),
    ) => l.message(topic, encodeMessage("cmd", c));
    cmd({ cmdId: 1, op: "setThreshold", threshold: 0.5, keyword: "yes" });
    cmd({ cmdId: 2, op: "setThreshold", threshold: 2 });
    cmd({ cmdId: 3, op: "setSmoothing" });
    cmd({ cmdId: 4, op: "setStride", strideFrames: 20 }, fleetTopic("f", "cmd"));
    cmd({ cmdId: 5, op: "sendTelemetry" });
    cmd({ cmdId: 6, op: "reboot" });
    expect(controlLog).toEqual(["thr 0.5 yes", "stride 20", "reboot"]);
    const acks = sent
      .filter((s) => s.topic.endsWith("/ack"))
      .map((s) => decodeAnyMessage(s.payload).message);
    expect(acks).toEqual([
      { cmdId: 1, ok: true },
      { cmdId: 2, ok: false, error: "threshold out of 0..1" },
      { cmdId: 3, ok: false, error: "smoothing missing" },
      { cmdId: 4, ok: true },
      { cmdId: 5, ok: true },
      { cmdId: 6, ok: true },
    ]);
    expect(sent.filter((s) => s.topic.endsWith("/tel"))).toHaveLength(1);
  });

  it("listens to its cohorts: subscribes and accepts commands addressed to them", () => {
    const l = link({ cohorts: ["beta"] });
    const { port, sent, subs } = fakePort();
    l.connected(port);
    expect(subs).toContain("earshot/v1/f/_c.beta/cmd");
    l.message(
      "earshot/v1/f/_c.beta/cmd",
      encodeMessage("cmd", { cmdId: 9, op: "setStride", strideFrames: 3 }),
    );
    expect(l.stats().rejected).toBe(0);
    expect(decodeAnyMessage(sent.at(-1)?.payload as number[]).message).toEqual({
      cmdId: 9,
      ok: true,
    });
  });

  it("counts and drops malformed, misaddressed and unexpected messages without throwing", () => {
    const l = link();
    const { port, sent } = fakePort();
    l.connected(port);
    const n = sent.length;
    const good = encodeMessage("cmd", { cmdId: 1, op: "reboot" });
    l.message("earshot/v1/f/d1/cmd", [1, 4, 0, 0x80]);
    l.message("earshot/v1/f/d2/cmd", good);
    l.message("earshot/v1/other/d1/cmd", good);
    l.message("earshot/v1/f/d1/det", good);
    l.message("earshot/v1/f/d1/ota/offer", good);
    l.message("nonsense", good);
    l.message("earshot/v1/f/_c.beta/cmd", good); // not one of its cohorts
    expect(l.stats().rejected).toBe(7);
    expect(l.stats().lastError).toMatch(/truncated|topic/);
    expect(sent.length).toBe(n);
  });

  it("drives an OTA update: offer -> requests -> chunks -> report, model in status/detections", () => {
    const keys = generateSigningKeys();
    const model = new Uint8Array(3000).map((_, i) => i % 251);
    const store = new MemorySlotStore([1, 2, 3]);
    const ota = new OtaUpdater({
      store,
      verifier: new NodeEd25519Verifier(keys.publicKeyRaw),
      sha256: new NodeSha256(),
      runtimeVersion: "0.1.0",
      fleet: "f",
      active: { modelId: "kws", version: 1 },
      maxModelBytes: 10_000,
      now: () => 5,
    });
    const l = link({ ota });
    const { port, sent } = fakePort();
    l.connected(port);
    const a = buildArtifact(
      model,
      {
        modelId: "kws",
        fleet: "f",
        version: 7,
        minRuntime: "0.1.0",
        threshold: 0.6,
        smoothing: 2,
        chunkSize: 512,
      },
      keys.privateKeyPem,
    );
    l.message(fleetTopic("f", "ota/offer"), encodeMessage("otaOffer", a.offer));
    // No chunk arrives: after the stall time, tick asks again for the same window.
    const reqs = () => sent.filter((s) => s.topic.endsWith("/ota/req"));
    expect(reqs()).toHaveLength(1);
    l.tick(10_000_000);
    expect(reqs()).toHaveLength(2);
    expect(reqs()[1].payload).toEqual(reqs()[0].payload);
    (reqs()[0] as { served?: boolean }).served = true;
    for (let guard = 0; guard < 20; guard++) {
      const req = sent.filter((s) => s.topic.endsWith("/ota/req")).pop();
      if (!req || (req as { served?: boolean }).served) break;
      (req as { served?: boolean }).served = true;
      const r = decodeAnyMessage(req.payload).message as {
        modelId: string;
        version: number;
        missing: number[];
      };
      for (const c of chunksForRequest(a, r))
        l.message(deviceTopic("f", "d1", "ota/chunk"), encodeMessage("otaChunk", c));
    }
    const reports = sent
      .filter((s) => s.topic.endsWith("/ota/report"))
      .map((s) => decodeAnyMessage(s.payload).message);
    expect(reports).toMatchObject([{ outcome: "activated", version: 7, activeVersion: 7 }]);
    expect(store.activeBytes()).toEqual([...model]);
    l.detection({ keyword: "yes", score: 0.9 });
    expect(decodeAnyMessage(sent.at(-1)?.payload as number[]).message).toMatchObject({
      modelVersion: 7,
    });
  });

  it("tick sends telemetry on schedule with the link's own counters merged in", () => {
    let now = 0;
    const l = link({
      now: () => now,
      telemetryEveryMs: 1000,
      telemetry: () => ({
        frames: 50,
        inferences: 25,
        detections: 1,
        nearMisses: 2,
        stages: [{ stage: "infer", meanUs: 900, maxUs: 1200 }],
        rssiDbm: -60,
      }),
    });
    const { port, sent } = fakePort();
    l.connected(port);
    l.disconnected();
    l.detection({ keyword: "yes", score: 0.9 });
    l.connected(port);
    now = 500;
    l.tick(now);
    expect(sent.filter((s) => s.topic.endsWith("/tel"))).toHaveLength(0);
    now = 1200;
    l.tick(now);
    const tel = sent
      .filter((s) => s.topic.endsWith("/tel"))
      .map((s) => decodeAnyMessage(s.payload).message);
    expect(tel).toEqual([
      {
        seq: 0,
        timeMs: 1200,
        uptimeMs: 1200,
        modelId: "kws",
        modelVersion: 1,
        frames: 50,
        inferences: 25,
        detections: 1,
        nearMisses: 2,
        buffered: 1,
        dropped: 0,
        reconnects: 1,
        stages: [{ stage: "infer", meanUs: 900, maxUs: 1200 }],
        rssiDbm: -60,
      },
    ]);
    expect(sent.find((s) => s.topic.endsWith("/tel"))?.qos).toBe(0);
  });
});
