/**
 * A simulator worker thread: many virtual devices, each with its own MQTT connection, on one
 * event loop. Reports when all are online, answers stats requests, and on "stop" waits for
 * each device's store-and-forward buffer to drain before disconnecting.
 */
import { parentPort, workerData } from "node:worker_threads";
import { ScheduledDetector } from "./detector";
import { startVirtualDevice, type VirtualDevice } from "./device";
import type { FromWorker, ToWorker, WorkerConfig, WorkerStats } from "./protocol";

const cfg = workerData as WorkerConfig;
const port = parentPort;
if (!port) throw new Error("simulator worker must run in a worker thread");
const send = (m: FromWorker) => port.postMessage(m);

const devices: VirtualDevice[] = [];
const detectors: ScheduledDetector[] = [];

function stats(): WorkerStats {
  const s: WorkerStats = {
    devices: devices.length,
    online: 0,
    detections: 0,
    acked: 0,
    buffered: 0,
    dropped: 0,
    activations: 0,
  };
  for (let i = 0; i < devices.length; i++) {
    const l = devices[i].mqtt.link.stats();
    if (l.online) s.online++;
    s.acked += l.acked;
    s.buffered += l.buffered;
    s.dropped += l.dropped;
    s.activations += devices[i].activations;
    s.detections += detectors[i].count;
  }
  return s;
}

async function main() {
  const period = Math.max(cfg.everyMs, 1);
  for (let i = 0; i < cfg.devices.length; i++) {
    const d = cfg.devices[i];
    const detector = new ScheduledDetector({
      keywords: cfg.keywords,
      everyMs: cfg.everyMs > 0 ? cfg.everyMs : 2 ** 30,
      phaseMs: cfg.everyMs > 0 ? Math.floor((i * period) / cfg.devices.length) + 1000 : 2 ** 30,
    });
    detectors.push(detector);
    devices.push(
      startVirtualDevice({
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
  const until = Date.now() + 120_000;
  for (;;) {
    const online = stats().online;
    if (online === devices.length) break;
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
