import type { Command } from "@commander-js/extra-typings";
import { group } from "../group";
import { emit } from "../output";

const intArg = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    throw Object.assign(new Error(`${what} must be a non-negative integer, got "${v}"`), {
      expected: true,
    });
  }
  return n;
};

/** Device ids from --devices a,b,c or --count N with --prefix. */
function deviceIds(opts: { devices?: string; count?: number; prefix: string }): string[] {
  if (opts.devices)
    return opts.devices
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  const n = opts.count ?? 0;
  const width = String(Math.max(n - 1, 0)).length;
  return Array.from({ length: n }, (_, i) => `${opts.prefix}${String(i).padStart(width, "0")}`);
}

export function register(program: Command): void {
  const fleet = group(program, "fleet", "Fleet service, broker setup and simulator");

  fleet
    .command("serve")
    .description("Run the fleet service: MQTT ingest, storage, OTA, HTTP API and /metrics")
    .option("--mqtt-url <url>", "external broker, e.g. mqtt://earshot-service:PASS@host:1883")
    .option(
      "--embedded-broker <port>",
      "run the embedded aedes broker on this port",
      intArg("--embedded-broker"),
    )
    .option("--db <dir>", "PGlite data directory (default .earshot/fleet-db)")
    .option("--pg <url>", "PostgreSQL URL instead of PGlite")
    .option("--http <port>", "HTTP port", intArg("--http"), 8080)
    .option("--host <addr>", "HTTP bind address", "127.0.0.1")
    .option(
      "--workers <n>",
      "ingest connections (>1: MQTT 5 shared subscription)",
      intArg("--workers"),
    )
    .option("--group <name>", "shared-subscription group / client-id prefix", "earshot-ingest")
    .option("--fleet <id>", "ingest only this fleet (default: all)")
    .option("--json", "print the URLs as one JSON line")
    .action(async (opts) => {
      const { UserError } = await import("../errors");
      if (opts.mqttUrl && opts.embeddedBroker !== undefined) {
        throw new UserError("give either --mqtt-url or --embedded-broker, not both");
      }
      const { FleetService } = await import("../../fleet/service");
      const service = new FleetService({
        mqttUrl: opts.mqttUrl,
        embeddedBrokerPort: opts.embeddedBroker ?? 1883,
        db: opts.pg ? undefined : (opts.db ?? ".earshot/fleet-db"),
        pg: opts.pg,
        httpPort: opts.http,
        httpHost: opts.host,
        workers: opts.workers,
        group: opts.group,
        fleet: opts.fleet,
        defaultMetrics: true,
      });
      const urls = await service.start();
      emit(opts, urls, (u) =>
        [
          `earshot fleet service`,
          `  mqtt     ${u.mqtt}`,
          `  api      ${u.http}/api/summary  /api/devices  /api/detections?device=ID  /api/ota/status`,
          `  metrics  ${u.metrics}`,
        ].join("\n"),
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      process.stderr.write("earshot: stopping (storing what was received)...\n");
      await service.stop();
    });

  fleet
    .command("broker-config")
    .description(
      "Write mosquitto.conf, hashed per-device passwords (mosquitto_passwd), ACL and credentials",
    )
    .requiredOption("--out <dir>", "output directory")
    .option("--devices <ids>", "comma-separated device ids")
    .option("--count <n>", "or: this many devices named <prefix>0..", intArg("--count"))
    .option("--prefix <p>", "device id prefix for --count", "node-")
    .option("--port <n>", "listener port", intArg("--port"), 1883)
    .option("--bind <addr>", "listener address", "127.0.0.1")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { writeBrokerConfig } = await import("../../fleet/broker/config-files");
      const r = writeBrokerConfig({
        out: opts.out,
        devices: deviceIds(opts),
        port: opts.port,
        bind: opts.bind,
      });
      emit(opts, r, (x) =>
        [
          `wrote ${x.conf}`,
          `      ${x.passwordFile} (${x.devices} devices + service account, hashed)`,
          `      ${x.aclFile}`,
          `      ${x.credentials} (plain passwords for provisioning: keep secret)`,
          `run:  mosquitto -c ${x.conf}`,
          `then: earshot fleet serve --mqtt-url ${x.serviceUrl}`,
        ].join("\n"),
      );
    });

  fleet
    .command("acl")
    .description("Print the mosquitto ACL derived from the protocol's topic table")
    .action(async () => {
      const { mosquittoAcl } = await import("../../fleet/broker/acl");
      process.stdout.write(mosquittoAcl());
    });
}
