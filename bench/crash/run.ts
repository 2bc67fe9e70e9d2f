/**
 * The kill -9 run of issue 17: `earshot fleet serve` (embedded broker, PGlite, or --pg) with N
 * real device links (device/transport over MQTT.js) sending one detection per second each; the
 * service is killed with SIGKILL mid-stream and started again on the same database. Prints sent,
 * acknowledged and stored detections, and the sequence numbers acked but never stored.
 *
 *   npx tsx bench/crash/run.ts [-- --devices 50 --seconds 30 --kill-at 10 --down 1 --pg URL]
 *
 * Last line: {"sent":…,"acked":…,"stored":…,"acked_not_stored":…}
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { connectDevice, type MqttDevice } from "../../device/transport/mqttjs";
import { newApiToken } from "../../host/fleet/api-token";
import { generateCredentials, writeCredentialsJson } from "../../host/fleet/broker/credentials";

const { values: args } = parseArgs({
  options: {
    devices: { type: "string", default: "50" },
    seconds: { type: "string", default: "30" },
    "kill-at": { type: "string", default: "10" },
    down: { type: "string", default: "1" },
    pg: { type: "string" },
  },
});
const DEVICES = Number(args.devices);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

const [mqttPort, httpPort] = [await freePort(), await freePort()];
const TOKEN = newApiToken();
const creds = generateCredentials(Array.from({ length: DEVICES }, (_, i) => `c${i}`));
const credsFile = join(mkdtempSync(join(tmpdir(), "crash-creds-")), "credentials.json");
writeCredentialsJson(credsFile, creds);
const store = args.pg
  ? ["--pg", args.pg]
  : ["--db", join(mkdtempSync(join(tmpdir(), "crash-")), "db")];
let child: ChildProcessWithoutNullStreams | undefined;
async function serve(): Promise<number> {
  const t0 = performance.now();
  const p = spawn(
    process.execPath,
    [
      "bin/earshot.js",
      "fleet",
      "serve",
      "--embedded-broker",
      String(mqttPort),
      ...store,
      "--http",
      String(httpPort),
      "--credentials",
      credsFile,
      "--json",
    ],
    { env: { ...process.env, EARSHOT_API_TOKEN: TOKEN } },
  );
  child = p;
  let out = "";
  p.stdout.on("data", (d) => {
    out += d;
  });
  p.stderr.on("data", (d) => process.stderr.write(`  serve: ${d}`));
  while (!out.includes("\n")) await sleep(20);
  return (performance.now() - t0) / 1000;
}

const startS = await serve();
const devs: MqttDevice[] = Array.from({ length: DEVICES }, (_, i) =>
  connectDevice({
    url: `mqtt://127.0.0.1:${mqttPort}`,
    username: `c${i}`,
    password: creds.get(`c${i}`),
    fleet: "crash",
    device: `c${i}`,
    runtimeVersion: "0.1.0",
    model: { modelId: "kws", version: 1 },
    control: {
      setThreshold: () => undefined,
      setSmoothing: () => undefined,
      setStride: () => undefined,
      reboot: () => {},
    },
    now: () => Date.now(),
    clockSynced: true,
    firstSeq: 1,
    ringCapacity: 4096,
    reconnectPeriodMs: 100,
    tickMs: 50,
  }),
);
let sent = 0;
const tick = setInterval(() => {
  for (const d of devs) d.link.detection({ keyword: "yes", score: 1 });
  sent += devs.length;
}, 1000);
await sleep(Number(args["kill-at"]) * 1000);
child?.kill("SIGKILL");
await sleep(Number(args.down) * 1000);
const restartS = await serve();
await sleep((Number(args.seconds) - Number(args["kill-at"]) - Number(args.down)) * 1000);
clearInterval(tick);
for (let i = 0; i < 600 && devs.some((d) => d.link.stats().buffered > 0); i++) await sleep(100);
const acked = devs.reduce((n, d) => n + d.link.stats().acked, 0);
const api = (path: string) =>
  fetch(`http://127.0.0.1:${httpPort}${path}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  }).then((r) => r.json());
const summary = (await api("/api/summary")) as { detections: number; duplicates: number };
let missing = 0;
const missingSeqs = new Set<number>();
for (let i = 0; i < DEVICES; i++) {
  const rows = (await api(`/api/detections?device=c${i}&limit=100000`)) as { seq: number }[];
  const have = new Set(rows.map((r) => r.seq));
  const n = devs[i].link.stats().acked;
  for (let s = 1; s <= n; s++)
    if (!have.has(s)) {
      missing++;
      missingSeqs.add(s);
    }
}
await Promise.all(devs.map((d) => d.close(true)));
child?.kill("SIGKILL");
const seqs = [...missingSeqs].sort((a, b) => a - b);
console.log(`devices            ${DEVICES}, 1 detection/s each, SIGKILL at ${args["kill-at"]} s`);
console.log(
  `service ready      ${startS.toFixed(1)} s first start, ${restartS.toFixed(1)} s restart`,
);
console.log(`sent               ${sent}`);
console.log(`acked by broker    ${acked}`);
console.log(`stored             ${summary.detections} (${summary.duplicates} duplicates)`);
console.log(
  `acked, not stored  ${missing}${seqs.length ? ` (seqs ${seqs[0]}..${seqs[seqs.length - 1]})` : ""}`,
);
console.log(JSON.stringify({ sent, acked, stored: summary.detections, acked_not_stored: missing }));
process.exit(0);
