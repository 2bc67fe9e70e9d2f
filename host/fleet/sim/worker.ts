/**
 * A simulator worker thread: many virtual devices, each with its own MQTT connection, on one
 * event loop. Reports when all are online, answers stats requests, and on "stop" waits for
 * each device's store-and-forward buffer to drain before disconnecting.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type ClipBank, loadClipBank, syntheticBank } from "./audio-stream";
import { ScheduledDetector } from "./detector";
import { startVirtualDevice, type VirtualDevice } from "./device";
import type { FromWorker, ToWorker, WorkerConfig, WorkerStats } from "./protocol";
import { modelSampleRate, RuntimeDetector } from "./runtime-detector";

const cfg = workerData as WorkerConfig;
const port = parentPort;
if (!port) throw new Error("simulator worker must run in a worker thread");
const send = (m: FromWorker) => port.postMessage(m);

const devices: VirtualDevice[] = [];
const detectors: (ScheduledDetector | RuntimeDetector)[] = [];
const runtimeIds = new Set(cfg.runtime?.ids ?? []);

/** Each device's own stream, whatever worker it lands on. */
function streamSeed(base: number, id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return (h + base) >>> 0;
}

function countOf(d: ScheduledDetector | RuntimeDetector): number {
  return d instanceof RuntimeDetector ? d.detections : d.count;
}

function stats(): WorkerStats {
  const s: WorkerStats = {
    devices: devices.length,
    online: 0,
    detections: 0,
    acked: 0,
    buffered: 0,
    dropped: 0,
    activations: 0,
    runtime: [],
  };
  for (let i = 0; i < devices.length; i++) {
    const l = devices[i].mqtt.link.stats();
    if (l.online) s.online++;
    s.acked += l.acked;
    s.buffered += l.buffered;
    s.dropped += l.dropped;
    s.activations += devices[i].activations;
    const det = detectors[i];
    s.detections += countOf(det);
    if (det instanceof RuntimeDetector) s.runtime.push(det.report(cfg.devices[i].id));
  }
  return s;
}

async function main() {
  const period = Math.max(cfg.everyMs, 1);
  let clips: ClipBank | undefined;
  if (runtimeIds.size > 0 && cfg.everyMs > 0) {
    const rate = modelSampleRate(cfg.model);
    clips = cfg.runtime?.clipsDir
      ? loadClipBank(cfg.runtime.clipsDir, cfg.keywords, rate)
      : syntheticBank(cfg.keywords, rate);
  }
  for (let i = 0; i < cfg.devices.length; i++) {
    const d = cfg.devices[i];
    const phaseMs = Math.floor((i * period) / cfg.devices.length) + 1000;
    const detector = runtimeIds.has(d.id)
      ? new RuntimeDetector({
          model: cfg.model,
          stream: {
            keywords: cfg.everyMs > 0 ? cfg.keywords : [],
            clips: clips ?? new Map(),
            everyMs: period,
            phaseMs,
            seed: streamSeed(cfg.runtime?.seed ?? 0, d.id),
            noise: cfg.runtime?.noise,
          },
        })
      : new ScheduledDetector({
          keywords: cfg.keywords,
          everyMs: cfg.everyMs > 0 ? cfg.everyMs : 2 ** 30,
          phaseMs: cfg.everyMs > 0 ? phaseMs : 2 ** 30,
        });
    detectors.push(detector);
    devices.push(
      startVirtualDevice({
        firstSeq: cfg.firstSeq,
        url: cfg.url,
        fleet: cfg.fleet,
        device: d.id,
        password: d.password,
        model: cfg.model,
        publicKey: cfg.publicKey,
        detector,
        telemetryEveryMs: cfg.telemetryEveryMs,
        mqtt: { keepalive: 120, connectTimeout: 30_000 },
      }),
    );
    if ((i + 1) % cfg.connectRate === 0) await new Promise((r) => setTimeout(r, 100));
  }
  const started = Date.now();
  const until = started + 120_000;
  for (;;) {
    const online = stats().online;
    if (online === devices.length) break;
    const failing = devices.filter((d) => d.mqtt.lastError() !== "");
    // A refused CONNACK (bad credentials, not authorized) will not change by waiting; nothing
    // online after 5 s with connection errors means the broker is not there.
    const refused = failing.find((d) => d.mqtt.lastError().startsWith("Connection refused"));
    const dead = online === 0 && failing.length > 0 && Date.now() - started > 5000;
    if (refused || dead) {
      const d = refused ?? failing[0];
      throw new Error(
        `device ${d.mqtt.client.options.username} cannot connect to ${cfg.url}: ${d.mqtt.lastError()}`,
      );
    }
    if (Date.now() > until) {
      const down = devices
        .filter((d) => !d.mqtt.link.stats().online)
        .map((d) => d.mqtt.client.options.username);
      throw new Error(
        `${down.length} devices not connected after 120 s (e.g. ${down.slice(0, 3).join(", ")}): check credentials and broker`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  send({ type: "connected", online: devices.length });
}

port.on("message", async (m: ToWorker) => {
  if (m.type === "stats") send({ type: "stats", stats: stats() });
  if (m.type === "stop") {
    for (const d of detectors) d.stop();
    const until = Date.now() + 30_000;
    while (stats().buffered > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    const final = stats();
    await Promise.all(devices.map((d) => d.close()));
    send({ type: "stopped", stats: final });
    port.close();
  }
});

main().catch((e: Error) => send({ type: "error", message: e.message }));
