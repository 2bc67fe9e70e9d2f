/** Spawn a private mosquitto on a free local port (persistence in a temp dir) for one test file. */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const MOSQUITTO = "/usr/sbin/mosquitto";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitListening(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = createConnection({ port, host: "127.0.0.1" });
      c.once("connect", () => {
        c.destroy();
        resolve(true);
      });
      c.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`mosquitto did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class TestBroker {
  private proc: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly conf: string,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestBroker> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "earshot-mosq-"));
    // Started as root, mosquitto drops to its own user: it must be able to write persistence here.
    chmodSync(dir, 0o777);
    const conf = join(dir, "mosquitto.conf");
    writeFileSync(
      conf,
      [
        `listener ${port} 127.0.0.1`,
        "allow_anonymous true",
        "persistence true",
        `persistence_location ${dir}/`,
        "log_dest none",
        "",
      ].join("\n"),
    );
    const b = new TestBroker(port, dir, conf);
    await b.up();
    return b;
  }

  /** (Re)start the broker process on the same port and persistence. */
  async up(): Promise<void> {
    this.proc = spawn(MOSQUITTO, ["-c", this.conf], { stdio: "ignore" });
    await waitListening(this.port, 5000);
  }

  /** Stop the process (SIGTERM: it saves its persistence file) and wait for it to exit. */
  async down(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once("exit", () => resolve());
      p.kill("SIGTERM");
    });
  }

  async stop(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
