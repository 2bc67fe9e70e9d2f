/**
 * Simulated devices running the real device runtime: what they publish through a private
 * mosquitto equals, event for event, what the runtime's Detector produces offline on the same
 * stream; after a model switch (the OTA activation hook) events come from the new model.
 */
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Detector } from "../../device/runtime/detector";
import { syntheticFfnModel } from "../../host/compress/synthetic-models";
import { KeywordStream, syntheticBank } from "../../host/fleet/sim/audio-stream";
import { scoreDetections } from "../../host/fleet/sim/field-quality";
import { buildDetector, RuntimeDetector } from "../../host/fleet/sim/runtime-detector";
import { deviceId, startSimulation } from "../../host/fleet/sim/simulate";
import { decodeTopicPayload, hostFilter } from "../../protocol";
import { encodeModel } from "../../shared/model-format/encode";
import { serviceUser, startMosquitto, type TestBroker } from "./mosquitto";

const KEYWORDS = ["yes", "no"];
const RATE = 16000;

/** The FFN synthetic model reacts to the planted tones at this threshold (and not to noise). */
function model(version: number, seed: number): Uint8Array {
  return Uint8Array.from(
    encodeModel({ ...syntheticFfnModel({ seed }), modelVersion: version, threshold: 0.3 }),
  );
}

interface Offline {
  keyword: string;
  t: number;
  score: number;
  version: number;
}

/** Feeds `n` stream samples to `det` in chunks of `chunk` (not the simulator's 512). */
function replay(
  det: Detector,
  stream: KeywordStream,
  n: number,
  offsetMs: number,
  out: Offline[],
): void {
  const chunk = 1000;
  const buf = new Array<number>(chunk).fill(0);
  for (let done = 0; done < n; done += chunk) {
    const k = Math.min(chunk, n - done);
    stream.fill(buf, 0, k);
    det.push(buf, 0, k);
    for (let i = 0; i < det.pendingEvents(); i++) {
      const e = det.event(i);
      out.push({
        keyword: e.keyword,
        t: Math.round(offsetMs + e.t),
        score: e.score,
        version: e.modelVersion,
      });
    }
    det.drainEvents();
  }
}

describe("fleet simulate with the real device runtime", () => {
  const N = 3;
  const ids = Array.from({ length: N }, (_, i) => deviceId("rt-", i, N));
  let broker: TestBroker;
  let sub: mqtt.MqttClient;
  const det = new Map<string, { keyword: string; score: number; timeMs: number }[]>();
  const tel = new Map<string, string[]>();

  beforeAll(async () => {
    broker = await startMosquitto(ids, { fleet: "rt" });
    sub = await mqtt.connectAsync(broker.urlFor(serviceUser), { clean: true });
    sub.on("message", (topic, payload) => {
      const m = decodeTopicPayload(topic, payload);
      const dev = m.topic.target.scope === "device" ? m.topic.target.id : "";
      if (m.kind === "det") {
        const list = det.get(dev) ?? [];
        list.push({ keyword: m.message.keyword, score: m.message.score, timeMs: m.message.timeMs });
        det.set(dev, list);
      } else if (m.kind === "tel") {
        tel.set(
          dev,
          m.message.stages.map((s: { stage: string }) => s.stage),
        );
      }
    });
    await sub.subscribeAsync([hostFilter("det", "rt"), hostFilter("tel", "rt")], { qos: 1 });
  });
  afterAll(async () => {
    await sub?.endAsync();
    await broker?.stop();
  });

  it("publishes through the broker exactly the detections the Detector makes offline", async () => {
    const sim = startSimulation({
      url: broker.url,
      fleet: "rt",
      devices: N,
      prefix: "rt-",
      credentials: Object.fromEntries(broker.creds),
      model: model(1, 3),
      keywords: KEYWORDS,
      everyMs: 1500,
      durationMs: 0,
      telemetryEveryMs: 1000,
      workers: 2,
      runtimeDevices: 2,
    });
    expect(await sim.connected).toBe(N);
    await new Promise((r) => setTimeout(r, 6000));
    const r = await sim.stop();
    expect(r.runtime.devices).toEqual(ids.slice(0, 2));
    expect(r.dropped).toBe(0);
    // The scheduled device still talks.
    await expect.poll(() => det.get(ids[2])?.length ?? 0).toBeGreaterThan(0);
    for (const rep of r.runtimeReports) {
      expect(rep.samples).toBeGreaterThan(4 * RATE);
      const offline: Offline[] = [];
      const stream = new KeywordStream({
        ...rep.stream,
        sampleRate: RATE,
        clips: syntheticBank(KEYWORDS, RATE),
      });
      replay(
        buildDetector(model(1, 3), () => 0),
        stream,
        rep.samples,
        0,
        offline,
      );
      expect(offline.length).toBeGreaterThan(0);
      expect(stream.plants).toEqual(rep.plants);
      await expect
        .poll(() => det.get(rep.device)?.length ?? 0, { timeout: 5000 })
        .toBe(offline.length);
      const got = (det.get(rep.device) ?? []).map((d) => ({
        keyword: d.keyword,
        t: d.timeMs - rep.startedAtMs,
        score: d.score,
      }));
      expect(got).toEqual(
        offline.map((e) => ({ keyword: e.keyword, t: e.t, score: Math.fround(e.score) })),
      );
      expect(rep.quality).toEqual(scoreDetections(rep.plants, offline, rep.streamMs));
      expect(tel.get(rep.device)).toEqual(["frontend", "network", "post"]);
    }
    expect(r.runtime.hits + r.runtime.falseAccepts).toBeGreaterThan(0);
  }, 30_000);

  it("switches to the activated model at the current stream position", () => {
    let now = 1_000_000;
    const stream = { keywords: KEYWORDS, everyMs: 1500, phaseMs: 700, seed: 9 };
    const clips = syntheticBank(KEYWORDS, RATE);
    const rd = new RuntimeDetector({
      model: model(1, 3),
      stream: { ...stream, clips },
      now: () => now,
      tickMs: 1e9, // ticked by hand
    });
    const emitted: number[] = [];
    rd.start((d) => emitted.push(d.timeMs ?? -1));
    for (let i = 0; i < 50; i++) {
      now += 100;
      rd.tick();
    }
    expect(() => rd.validate(Uint8Array.from([1, 2, 3]))).toThrow(/cannot run/);
    rd.modelChanged(model(2, 1));
    const switchAt = 5 * RATE;
    for (let i = 0; i < 50; i++) {
      now += 100;
      rd.tick();
    }
    rd.stop();
    const rep = rd.report("d");
    expect(rep.samples).toBe(10 * RATE);
    expect(rep.modelSwitches).toBe(1);
    const offline: Offline[] = [];
    const s = new KeywordStream({ ...stream, sampleRate: RATE, clips });
    replay(
      buildDetector(model(1, 3), () => 0),
      s,
      switchAt,
      0,
      offline,
    );
    replay(
      buildDetector(model(2, 1), () => 0),
      s,
      5 * RATE,
      5000,
      offline,
    );
    expect(offline.some((e) => e.version === 2)).toBe(true);
    expect(rep.heard).toEqual(
      offline.map((e) => ({ keyword: e.keyword, t: e.t, score: e.score, modelVersion: e.version })),
    );
    expect(emitted).toEqual(offline.map((e) => 1_000_000 + e.t));
    expect(rd.counters().inferences).toBeGreaterThan(900);
  });
});
