/**
 * Ingest benchmark: detections persisted per second by the fleet service vs the raw rate of the
 * same mosquitto in the same run (MQTT.js publishers -> one MQTT.js QoS 1 subscriber, no
 * storage), with `--devices` simulated devices connected throughout.
 *
 *   npm run bench:ingest [-- --devices 1000 --messages 40000 --pg]
 *
 * Last line: {"ingest_per_s":…,"raw_per_s":…,"ratio":…,"devices":…}
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import mqtt from "mqtt";
import pg from "pg";
import { SERVICE_USER } from "../../host/fleet/broker/acl";
import { writeBrokerConfig } from "../../host/fleet/broker/config-files";
import { FleetService } from "../../host/fleet/service";
import { demoModel } from "../../host/fleet/sim/demo-model";
import { checkOpenFiles } from "../../host/fleet/sim/limits";
import { deviceId, startSimulation } from "../../host/fleet/sim/simulate";
import { hostFilter } from "../../protocol/topics";

const { values: args } = parseArgs({
  options: {
    devices: { type: "string", default: "1000" },
    messages: { type: "string", default: "40000" },
    publishers: { type: "string", default: "16" },
    window: { type: "string", default: "64" },
    workers: { type: "string", default: "1" },
    pg: { type: "boolean", default: false },
  },
});
const DEVICES = Number(args.devices);
const PUBLISHERS = Number(args.publishers);
const PER_PUBLISHER = Math.ceil(Number(args.messages) / PUBLISHERS);
const MESSAGES = PER_PUBLISHER * PUBLISHERS;
const FLEET = "bench";
const log = (s: string) => process.stderr.write(`${s}\n`);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function startMosquitto(dir: string, port: number, devices: string[]) {
  const cfg = writeBrokerConfig({
    out: dir,
    devices,
    fleet: FLEET,
    port,
    runAsUser: process.getuid?.() === 0 ? "root" : undefined,
  });
  const creds = JSON.parse(readFileSync(cfg.credentials, "utf8")) as Record<string, string>;
  const proc: ChildProcess = spawn("/usr/sbin/mosquitto", ["-c", cfg.conf], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = new Socket();
      s.once("connect", () => r(!!s.destroy()));
      s.once("error", () => r(false));
      s.connect(port, "127.0.0.1");
    });
    if (up) return { proc, creds };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("mosquitto did not start");
}

function loadGenerator(url: string, creds: Record<string, string>, ids: string[]) {
  const w = new Worker(new URL("./load-entry.mjs", import.meta.url), {
    workerData: {
      url,
      fleet: FLEET,
      devices: ids.map((id) => ({ id, password: creds[id] })),
      window: Number(args.window),
    },
  });
  const next = () =>
    new Promise<{ type: string; message?: string }>((resolve) => w.once("message", resolve));
  return {
    ready: next().then((m) => {
      if (m.type !== "ready") throw new Error(`load generator: ${m.message}`);
    }),
    async run() {
      const done = next();
      w.postMessage({ type: "run", perDevice: PER_PUBLISHER });
      await done;
    },
    async stop() {
      const done = next();
      w.postMessage({ type: "stop" });
      await done;
      await w.terminate();
    },
  };
}

/** Raw: one MQTT.js QoS 1 subscriber (same options as an ingest worker), counting messages. */
async function rawRate(url: string, load: ReturnType<typeof loadGenerator>): Promise<number> {
  const sub = await mqtt.connectAsync(url, {
    clientId: "bench-raw",
    clean: false,
    protocolVersion: 5,
    properties: { sessionExpiryInterval: 3600 },
  });
  await sub.subscribeAsync(hostFilter("det", FLEET), { qos: 1 });
  let got = 0;
  let resolveAll: () => void = () => {};
  const all = new Promise<void>((r) => {
    resolveAll = r;
  });
  sub.on("message", () => {
    if (++got === MESSAGES) resolveAll();
  });
  const t0 = performance.now();
  await load.run();
  await all;
  const s = (performance.now() - t0) / 1000;
  await sub.endAsync();
  return MESSAGES / s;
}

async function ingestRate(
  url: string,
  store: { db?: string; pg?: string },
  load: ReturnType<typeof loadGenerator>,
): Promise<number> {
  const workers = Number(args.workers);
  const service = new FleetService({ ...store, mqttUrl: url, httpPort: 0, workers, fleet: FLEET });
  await service.start();
  const t0 = performance.now();
  await load.run();
  const stored = () => service.metrics.stored.get().then((m) => m.values[0]?.value ?? 0);
  while ((await stored()) < MESSAGES) await new Promise((r) => setTimeout(r, 5));
  const s = (performance.now() - t0) / 1000;
  const summary = (await (
    await fetch(service.urls?.summary ?? "", {
      headers: { authorization: `Bearer ${service.apiToken}` },
    })
  ).json()) as {
    detections: number;
    duplicates: number;
  };
  await service.stop();
  if (summary.detections !== MESSAGES || summary.duplicates !== 0) {
    throw new Error(
      `ingest stored ${summary.detections} (${summary.duplicates} duplicates), want ${MESSAGES}`,
    );
  }
  return MESSAGES / s;
}

async function main() {
  checkOpenFiles(DEVICES + PUBLISHERS + 64);
  const dir = mkdtempSync(join(tmpdir(), "earshot-bench-"));
  const port = await freePort();
  const simIds = Array.from({ length: DEVICES }, (_, i) => deviceId("sim-", i, DEVICES));
  const loadIds = Array.from({ length: PUBLISHERS }, (_, i) => `load-${i}`);
  const { proc, creds } = await startMosquitto(join(dir, "broker"), port, [...simIds, ...loadIds]);
  const base = `mqtt://127.0.0.1:${port}`;
  const serviceUrl = `mqtt://${SERVICE_USER}:${encodeURIComponent(creds[SERVICE_USER])}@127.0.0.1:${port}`;
  let dbName: string | undefined;
  const adminUrl = "postgres://postgres@127.0.0.1:5432/postgres";
  try {
    log(`connecting ${DEVICES} simulated devices...`);
    const sim = startSimulation({
      url: base,
      fleet: "sim",
      devices: DEVICES,
      prefix: "sim-",
      credentials: creds,
      model: demoModel("kws", 1, 256),
      keywords: ["yes"],
      everyMs: 0, // connected and idle: the load comes from the publishers, same in both phases
      durationMs: 0,
    });
    const connected = await sim.connected;
    log(`${connected} devices connected`);
    const load = loadGenerator(base, creds, loadIds);
    await load.ready;

    const raw = await rawRate(serviceUrl, load);
    log(`raw: ${raw.toFixed(0)} msg/s (${MESSAGES} QoS 1 detections, ${PUBLISHERS} publishers)`);

    let store: { db?: string; pg?: string } = { db: join(dir, "db") };
    if (args.pg) {
      dbName = `earshot_bench_${randomBytes(4).toString("hex")}`;
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`CREATE DATABASE ${dbName}`);
      await c.end();
      store = { pg: `postgres://postgres@127.0.0.1:5432/${dbName}` };
    }
    const ingest = await ingestRate(serviceUrl, store, load);
    log(
      `ingest (${args.pg ? "PostgreSQL" : "PGlite"}, ${args.workers} worker(s)): ${ingest.toFixed(0)} detections/s persisted`,
    );
    const online = (await sim.stats()).online;
    await load.stop();
    await sim.stop();
    const out = {
      ingest_per_s: Math.round(ingest),
      raw_per_s: Math.round(raw),
      ratio: Number((ingest / raw).toFixed(3)),
      devices: Math.min(connected, online),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    proc.kill("SIGTERM");
    if (dbName) {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await c.end();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`bench:ingest: ${e.message}\n`);
  process.exit(1);
});
