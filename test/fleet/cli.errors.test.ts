/**
 * A service or simulator that cannot do its job says why in one line and exits non-zero,
 * instead of hanging or half-running (issue 17 items 9 and 10): ports taken, PostgreSQL down,
 * an unusable --db, a bad or dead broker, a refused login, bad key and credentials files.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoModel } from "../../host/fleet/sim/demo-model";
import { createPostgresDb, type TestDb } from "./databases";
import { freePort, startMosquitto, type TestBroker } from "./mosquitto";

const run = promisify(execFile);
/** Exit code and stderr of `earshot ARGS` (60 s at most: a hang fails the test). */
async function earshot(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  try {
    const r = await run(process.execPath, ["bin/earshot.js", ...args], { timeout: 60_000 });
    return { code: 0, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number | null; stderr: string; killed?: boolean };
    return { code: x.killed ? null : x.code, stderr: x.stderr };
  }
}

function expectOneLine(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

const dir = mkdtempSync(join(tmpdir(), "earshot-cli-errors-"));
let taken: Server;
let takenPort: number;
let db: TestDb;
let mosquitto: TestBroker;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((r) => taken.listen(0, "127.0.0.1", () => r()));
  takenPort = (taken.address() as { port: number }).port;
  db = await createPostgresDb();
  mosquitto = await startMosquitto(["sim-0", "sim-1"]);
});
afterAll(async () => {
  taken?.close();
  await db?.drop();
  await mosquitto?.stop();
});

describe("fleet serve exits non-zero with one line naming the cause", () => {
  const serve = async (...args: string[]) =>
    earshot(
      ...["fleet", "serve", "--api-token-file", join(dir, "api-token")],
      ...["--credentials", join(dir, "credentials.json"), ...args],
    );

  it("embedded broker port taken", async () => {
    const r = await serve("--embedded-broker", String(takenPort), ...["--pg", db.opts.pg ?? ""]);
    expectOneLine(r, /embedded broker cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  });

  it("HTTP port taken (the broker it already started goes down with it)", async () => {
    const r = await serve(
      ...["--embedded-broker", String(await freePort())],
      ...["--pg", db.opts.pg ?? ""],
      ...["--http", String(takenPort)],
    );
    expectOneLine(r, /HTTP cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  });

  it("PostgreSQL down", async () => {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/none`;
    const r = await serve("--embedded-broker", "0", "--pg", url, "--http", "0");
    expectOneLine(r, /cannot connect to PostgreSQL .*ECONNREFUSED/);
  });

  it("--db that cannot be a directory", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    for (const [d, why] of [
      [join(file, "db"), "ENOTDIR"],
      ["/proc/earshot-nope/db", "ENOENT"],
    ]) {
      const r = await serve("--embedded-broker", "0", "--db", d, "--http", "0");
      expectOneLine(r, new RegExp(`--db ${d} is not a writable directory \\(${why}\\)`));
    }
  });

  it("--mqtt-url that is not a URL, or where no broker listens", async () => {
    const pg = ["--pg", db.opts.pg ?? "", "--http", "0"];
    expectOneLine(await serve("--mqtt-url", "notaurl", ...pg), /"notaurl" is not a broker URL/);
    const dead = `mqtt://127.0.0.1:${await freePort()}`;
    expectOneLine(
      await serve("--mqtt-url", dead, ...pg),
      /cannot connect to MQTT broker .*ECONNREFUSED/,
    );
  });
});

describe("fleet simulate fails fast with one line", () => {
  const model = join(dir, "kws.esm");
  writeFileSync(model, demoModel("kws", 1));
  const sim = (...args: string[]) =>
    earshot(
      ...["fleet", "simulate", "--devices", "2", "--duration", "1", "--model", model],
      ...["--runtime-devices", "0", ...args],
    );

  it("on a dead broker", async () => {
    const r = await sim("--broker", `mqtt://127.0.0.1:${await freePort()}`);
    expectOneLine(r, /device sim-0 cannot connect to .*ECONNREFUSED/);
  });

  it("on a refused login", async () => {
    const r = await sim("--broker", mosquitto.url);
    expectOneLine(r, /cannot connect to .*Connection refused: Not authorized/);
  });

  it("on a bad --public-key or --credentials file", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "[1");
    const broker = ["--broker", mosquitto.url];
    expectOneLine(await sim(...broker, "--credentials", bad), /is not a credentials\.json/);
    expectOneLine(await sim(...broker, "--public-key", model), /want the 32-byte raw Ed25519/);
    expectOneLine(
      await sim(...broker, "--public-key", join(dir, "none")),
      /cannot read public key/,
    );
  });
});
