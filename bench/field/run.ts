/**
 * Field-loop scale bench (not a test): N simulated devices (scheduled detections every 10 s,
 * telemetry every 30 s: the load) against the fleet service with the quality
 * aggregation polled as the dashboard does, on mosquitto and PostgreSQL. Every 30 s it reads
 * the service's stored counts, /api/quality (and how long that took), the service process's
 * resident memory and its CPU share; at the end it checks nothing was lost (every detection the
 * devices had acked is stored) and nothing stored twice.
 *
 *   ulimit -n 65536; npx tsx bench/field/run.ts [--devices 10000] [--minutes 10]
 *
 * Last line: {"devices":…,"minutes":…,"said":…,"stored":…,"duplicates":…,"lost":…,
 *             "rss_mb_first":…,"rss_mb_last":…,"service_cpu_share":…,"quality_ms_max":…}
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { SERVICE_USER } from "../../host/fleet/broker/acl";
import { writeBrokerConfig } from "../../host/fleet/broker/config-files";
import { demoModel } from "../../host/fleet/sim/demo-model";
import { checkOpenFiles } from "../../host/fleet/sim/limits";
import { deviceId, startSimulation } from "../../host/fleet/sim/simulate";

const { values: args } = parseArgs({
  options: {
    devices: { type: "string", default: "10000" },
    minutes: { type: "string", default: "10" },
    every: { type: "string", default: "10000" },
    telemetry: { type: "string", default: "30000" },
  },
});
const N = Number(args.devices);
const MINUTES = Number(args.minutes);
const FLEET = "scale";
const ADMIN = process.env.EARSHOT_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/postgres";
const log = (s: string) => process.stderr.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = new Socket();
      s.once("connect", () => r(!!s.destroy()));
      s.once("error", () => r(false));
      s.connect(port, "127.0.0.1");
    });
    if (up) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port}`);
}

/** utime + stime of a process in seconds (Linux /proc), and its resident memory in MB. */
function procStats(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const tick = 100; // USER_HZ on Linux
  const cpuS = (Number(f[11]) + Number(f[12])) / tick;
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return { cpuS, rssMb: rss ? Number(rss[1]) / 1024 : 0 };
}

async function main() {
  checkOpenFiles(N); // this process holds one socket per device; mosquitto has its own limit
  const dir = mkdtempSync(join(tmpdir(), "earshot-field-bench-"));
  const ids = Array.from({ length: N }, (_, i) => deviceId("s", i, N));
  const port = await freePort();
  log(`writing broker config for ${N} devices...`);
  const cfg = writeBrokerConfig({
    out: dir,
    devices: ids,
    fleet: FLEET,
    port,
    runAsUser: process.getuid?.() === 0 ? "root" : undefined,
  });
  const creds = JSON.parse(readFileSync(cfg.credentials, "utf8")) as Record<string, string>;
  const broker: ChildProcess = spawn("/usr/sbin/mosquitto", ["-c", cfg.conf], { stdio: "ignore" });
  await waitPort(port);
  const dbName = `earshot_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(ADMIN);
  url.pathname = `/${dbName}`;
  const svcUrl = `mqtt://${SERVICE_USER}:${encodeURIComponent(creds[SERVICE_USER])}@127.0.0.1:${port}`;
  const service = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      new URL("./service-entry.ts", import.meta.url).pathname,
      JSON.stringify({ mqttUrl: svcUrl, pg: url.toString(), fleet: FLEET }),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const first = await new Promise<string>((resolve) =>
    service.stdout?.once("data", (d: Buffer) => resolve(d.toString())),
  );
  const urls = JSON.parse(first) as { http: string; token: string };
  const get = async <T>(path: string): Promise<T> =>
    (await (
      await fetch(`${urls.http}${path}`, { headers: { authorization: `Bearer ${urls.token}` } })
    ).json()) as T;
  const pid = service.pid as number;
  try {
    const sim = startSimulation({
      url: `mqtt://127.0.0.1:${port}`,
      fleet: FLEET,
      devices: N,
      prefix: "s",
      credentials: creds,
      model: demoModel("kws", 1),
      keywords: ["yes", "no"],
      everyMs: Number(args.every),
      durationMs: MINUTES * 60_000,
      telemetryEveryMs: Number(args.telemetry),
      runtimeDevices: 0,
    });
    const online = await sim.connected;
    log(`${online} devices connected; running ${MINUTES} min`);
    const t0 = performance.now();
    const c0 = procStats(pid);
    const samples: {
      t: number;
      stored: number;
      rssMb: number;
      cpuShare: number;
      qualityMs: number;
    }[] = [];
    let last = { t: 0, cpuS: c0.cpuS };
    const end = t0 + MINUTES * 60_000;
    while (performance.now() < end) {
      await sleep(Math.min(30_000, Math.max(0, end - performance.now())));
      const q0 = performance.now();
      await get("/api/quality");
      const qualityMs = performance.now() - q0;
      const s = await get<{ detections: number }>("/api/summary");
      const p = procStats(pid);
      const t = (performance.now() - t0) / 1000;
      const cpuShare = (p.cpuS - last.cpuS) / (t - last.t);
      last = { t, cpuS: p.cpuS };
      samples.push({ t, stored: s.detections, rssMb: p.rssMb, cpuShare, qualityMs });
      log(
        `t=${t.toFixed(0)}s stored=${s.detections} rss=${p.rssMb.toFixed(0)}MB service cpu=${(cpuShare * 100).toFixed(0)}% of one core, /api/quality ${qualityMs.toFixed(0)} ms`,
      );
    }
    const r = await sim.stop();
    let summary = await get<{ detections: number; duplicates: number }>("/api/summary");
    for (let i = 0; i < 600 && summary.detections < r.acked; i++) {
      await sleep(100);
      summary = await get("/api/summary");
    }
    const total = procStats(pid);
    const out = {
      devices: N,
      minutes: MINUTES,
      said: r.detections,
      acked: r.acked,
      stored: summary.detections,
      duplicates: summary.duplicates,
      lost: r.acked - summary.detections,
      buffered_at_stop: r.buffered,
      dropped: r.dropped,
      rss_mb_first: Math.round(samples[0]?.rssMb ?? 0),
      rss_mb_last: Math.round(samples[samples.length - 1]?.rssMb ?? 0),
      service_cpu_share: Number(
        ((total.cpuS - c0.cpuS) / ((performance.now() - t0) / 1000)).toFixed(3),
      ),
      quality_ms_max: Math.round(Math.max(...samples.map((s) => s.qualityMs))),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    service.kill("SIGTERM");
    await new Promise((r) => service.once("exit", r));
    broker.kill("SIGTERM");
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((e) => {
  log(`bench: ${(e as Error).message}`);
  process.exit(1);
});
