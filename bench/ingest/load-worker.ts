/**
 * Load generator (worker thread): `connections` device clients publish pre-encoded detections
 * at QoS 1 as fast as the broker acknowledges them, at most `window` unacknowledged per client.
 * Each run uses fresh sequence numbers, so nothing it sends is a duplicate.
 */
import { parentPort, workerData } from "node:worker_threads";
import mqtt, { type MqttClient } from "mqtt";
import { encodeForTopic } from "../../protocol/host";
import { deviceTopic } from "../../protocol/topics";

interface LoadConfig {
  url: string;
  fleet: string;
  devices: { id: string; password: string }[];
  window: number;
}

const cfg = workerData as LoadConfig;
const port = parentPort;
if (!port) throw new Error("load worker must run in a worker thread");
const clients: MqttClient[] = [];
const seqs = cfg.devices.map(() => 1);

async function connect() {
  for (const d of cfg.devices) {
    const u = new URL(cfg.url);
    u.username = d.id;
    u.password = d.password;
    clients.push(
      await mqtt.connectAsync(u.toString(), {
        clientId: `bench-${d.id}`,
        clean: true,
        protocolVersion: 4,
      }),
    );
  }
  port?.postMessage({ type: "ready" });
}

/** Publishes `perDevice` detections from every client; resolves when all are acknowledged. */
function run(perDevice: number): Promise<void> {
  return Promise.all(
    clients.map(
      (c, k) =>
        new Promise<void>((resolve, reject) => {
          const topic = deviceTopic(cfg.fleet, cfg.devices[k].id, "det");
          let sent = 0;
          let acked = 0;
          const pump = () => {
            while (sent < perDevice && sent - acked < cfg.window) {
              sent++;
              const payload = encodeForTopic("det", {
                seq: seqs[k]++,
                timeMs: Date.now(),
                clockSynced: true,
                keyword: "yes",
                score: 0.9,
                modelId: "kws",
                modelVersion: 1,
              });
              c.publish(topic, payload, { qos: 1 }, (err) => {
                if (err) return reject(err);
                acked++;
                if (acked === perDevice) resolve();
                else pump();
              });
            }
          };
          pump();
        }),
    ),
  ).then(() => undefined);
}

port.on("message", async (m: { type: "run"; perDevice: number } | { type: "stop" }) => {
  if (m.type === "run") {
    await run(m.perDevice);
    port.postMessage({ type: "done" });
  } else {
    await Promise.all(clients.map((c) => c.endAsync()));
    port.postMessage({ type: "stopped" });
    port.close();
  }
});

connect().catch((e: Error) => port.postMessage({ type: "error", message: e.message }));
