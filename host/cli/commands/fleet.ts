import type { Command } from "@commander-js/extra-typings";
import { nonNegativeInt } from "../args";
import { group } from "../group";
import { emit } from "../output";

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
    .option(
      "--mqtt-url <url>",
      "external broker, e.g. mqtt://earshot-service@host:1883 (no password here)",
    )
    .option(
      "--mqtt-password-file <file>",
      "the service account's broker password (env EARSHOT_MQTT_PASSWORD wins; never in argv)",
    )
    .option(
      "--embedded-broker <port>",
      "run the embedded aedes broker on this port",
      nonNegativeInt("--embedded-broker"),
    )
    .option("--db <dir>", "PGlite data directory (default .earshot/fleet-db)")
    .option("--pg <url>", "PostgreSQL URL instead of PGlite")
    .option("--http <port>", "HTTP port", nonNegativeInt("--http"), 8080)
    .option("--host <addr>", "HTTP bind address", "127.0.0.1")
    .option(
      "--workers <n>",
      "ingest connections (>1: MQTT 5 shared subscription)",
      nonNegativeInt("--workers"),
    )
    .option("--group <name>", "shared-subscription group / client-id prefix", "earshot-ingest")
    .option("--fleet <id>", "ingest only this fleet (default: all)")
    .option(
      "--api-token-file <file>",
      "keep the HTTP API token's SHA-256 in this file (0600) rather than in the database; either way the start that creates the token prints it once; env EARSHOT_TOKEN wins",
    )
    .option(
      "--credentials <file>",
      "embedded broker logins (device id -> password, from `fleet credentials`); created with the service account if missing",
      ".earshot/credentials.json",
    )
    .option(
      "--ota-public-key <file>",
      "OTA public key (ota-signing.pub.bin); publishes signed by other keys are refused (default ota-keys/ota-signing.pub.bin when present)",
    )
    .option(
      "--verifier <file>",
      "reference model that re-scores the feature windows sent with detections (the false-accept estimate; default: the shipped models/kws12-int8.esm)",
    )
    .option("--no-verifier", "no host verifier: FA/hour estimates stay n/a")
    .option("--json", "print the URLs as one JSON line")
    .action(async (opts) => {
      const { UserError } = await import("../errors");
      const { existsSync, readFileSync } = await import("node:fs");
      const keyFile =
        opts.otaPublicKey ??
        (existsSync("ota-keys/ota-signing.pub.bin") ? "ota-keys/ota-signing.pub.bin" : undefined);
      let otaPublicKeys: Uint8Array[] = [];
      if (keyFile) {
        let key: Uint8Array;
        try {
          key = new Uint8Array(readFileSync(keyFile));
        } catch (e) {
          throw new UserError(
            `cannot read --ota-public-key ${keyFile}: ${(e as NodeJS.ErrnoException).code}`,
          );
        }
        if (key.length !== 32)
          throw new UserError(
            `--ota-public-key ${keyFile} is ${key.length} bytes; want the 32-byte raw Ed25519 key (ota-signing.pub.bin)`,
          );
        otaPublicKeys = [key];
      }
      const { serviceApiToken, TOKEN_ENV, API_TOKEN_ENV } = await import("../../fleet/api-token");
      // The token: the environment's, a token file's, or (default) kept with the database.
      const inStore =
        !process.env[TOKEN_ENV] && !process.env[API_TOKEN_ENV] && opts.apiTokenFile === undefined;
      const api = inStore ? undefined : serviceApiToken(opts.apiTokenFile);
      const { provisionCredentials, readDeviceFleets } = await import(
        "../../fleet/broker/credentials"
      );
      const credentials = opts.mqttUrl ? undefined : provisionCredentials(opts.credentials, []);
      const deviceFleets = opts.mqttUrl ? undefined : readDeviceFleets(opts.credentials);
      if (opts.mqttUrl && opts.embeddedBroker !== undefined) {
        throw new UserError("give either --mqtt-url or --embedded-broker, not both");
      }
      const { FleetService } = await import("../../fleet/service");
      const { Verifier } = await import("../../fleet/field/verifier");
      const { SHIPPED } = await import("../../models/shipped");
      let verifier: InstanceType<typeof Verifier> | undefined;
      if (opts.verifier !== false) {
        const file = typeof opts.verifier === "string" ? opts.verifier : SHIPPED.int8;
        if (typeof opts.verifier === "string" || existsSync(file)) {
          try {
            verifier = Verifier.fromFile(file);
          } catch (e) {
            throw new UserError(`--verifier ${file}: ${(e as Error).message}`);
          }
        }
      }
      const { serviceMqttUrl } = await import("../../fleet/broker/url");
      const mqttUrl = opts.mqttUrl
        ? serviceMqttUrl(opts.mqttUrl, opts.mqttPasswordFile)
        : undefined;
      const service = new FleetService({
        mqttUrl,
        embeddedBrokerPort: opts.embeddedBroker ?? 1883,
        db: opts.pg ? undefined : (opts.db ?? ".earshot/fleet-db"),
        pg: opts.pg,
        httpPort: opts.http,
        httpHost: opts.host,
        workers: opts.workers,
        group: opts.group,
        fleet: opts.fleet,
        apiTokenHash: api?.hash,
        apiTokenInStore: inStore,
        credentials,
        deviceFleets,
        otaPublicKeys,
        verifier,
        defaultMetrics: true,
      });
      const started = await service.start();
      // The token is printed once, by the start that created it (only its hash is kept).
      const shown = api ? (api.created ? api.token : undefined) : service.createdToken;
      const urls = {
        ...started,
        dashboard: `${started.http}/`,
        apiToken: api?.source ?? "the database",
        ...(shown ? { token: shown } : {}),
        verifier: verifier?.describe ?? null,
      };
      emit(opts, urls, (u) =>
        [
          `earshot fleet service`,
          `  dashboard ${u.dashboard}${shown ? `?token=${shown}` : " (open /?token=TOKEN once)"}`,
          `  mqtt      ${u.mqtt}`,
          `  api       ${u.http}/api/summary  /api/quality  /api/devices  /api/ota/status`,
          `  metrics   ${u.metrics}`,
          `  verifier  ${u.verifier ?? "none (no FA/hour estimates)"}`,
          shown
            ? `  token     created; ${u.apiToken} keeps only its SHA-256: save it now (EARSHOT_TOKEN for the CLI)`
            : `  token     ${u.apiToken} (Authorization: Bearer ..., EARSHOT_TOKEN for the CLI)`,
          ...(shown ? [`token: ${shown}`] : []),
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
    .command("credentials")
    .description(
      "Add devices to a credentials.json (random passwords, mode 0600): the embedded broker's logins",
    )
    .option("--file <file>", "credentials file", ".earshot/credentials.json")
    .requiredOption("--fleet <id>", "the fleet these devices belong to (they are bound to it)")
    .option("--devices <ids>", "comma-separated device ids")
    .option("--count <n>", "or: this many devices named <prefix>0..", nonNegativeInt("--count"))
    .option("--prefix <p>", "device id prefix for --count", "node-")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { provisionCredentials } = await import("../../fleet/broker/credentials");
      const creds = provisionCredentials(opts.file, deviceIds(opts), opts.fleet);
      emit(
        opts,
        { file: opts.file, users: creds.size },
        (x) => `${x.file}: ${x.users} logins (devices + service account); keep it secret`,
      );
    });

  fleet
    .command("broker-config")
    .description(
      "Write mosquitto.conf, hashed per-device passwords (mosquitto_passwd), ACL and credentials",
    )
    .requiredOption("--out <dir>", "output directory")
    .option("--devices <ids>", "comma-separated device ids")
    .option("--count <n>", "or: this many devices named <prefix>0..", nonNegativeInt("--count"))
    .option("--prefix <p>", "device id prefix for --count", "node-")
    .requiredOption("--fleet <id>", "the fleet these devices belong to (their ACL names it)")
    .option("--port <n>", "listener port", nonNegativeInt("--port"), 1883)
    .option("--bind <addr>", "listener address", "127.0.0.1")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { writeBrokerConfig } = await import("../../fleet/broker/config-files");
      const r = writeBrokerConfig({
        out: opts.out,
        devices: deviceIds(opts),
        fleet: opts.fleet,
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
          `then: earshot fleet serve --mqtt-url ${x.serviceUrl} --mqtt-password-file ${x.servicePasswordFile}`,
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

  fleet
    .command("simulate")
    .description("Simulate N devices (worker threads), each with its own MQTT connection")
    .requiredOption("--broker <url>", "broker URL, e.g. mqtt://127.0.0.1:1883")
    .requiredOption("--devices <n>", "number of devices", nonNegativeInt("--devices"))
    .requiredOption(
      "--duration <s>",
      "seconds to run after all are connected",
      nonNegativeInt("--duration"),
    )
    .option(
      "--model <file>",
      "model file the devices start with, or a device image (`earshot device image`): devices that run an image bundle, which take images over OTA and refuse model files (default: the shipped models/kws12-int8.esm)",
    )
    .option("--fleet <id>", "fleet id", "sim")
    .option("--prefix <p>", "device id prefix", "sim-")
    .option(
      "--credentials <file>",
      "credentials.json from `earshot fleet credentials` or `broker-config` (default .earshot/credentials.json when present)",
    )
    .option(
      "--public-key <file>",
      "OTA public key (ota-signing.pub.bin); without it OTA is refused",
    )
    .option("--keywords <list>", "keywords said, cycled (default: the model's labels)")
    .option(
      "--every <ms>",
      "one keyword per device every this many ms",
      nonNegativeInt("--every"),
      10_000,
    )
    .option(
      "--telemetry <ms>",
      "telemetry period per device",
      nonNegativeInt("--telemetry"),
      30_000,
    )
    .option(
      "--workers <n>",
      "worker threads (default: one per 250 devices)",
      nonNegativeInt("--workers"),
    )
    .option(
      "--runtime-devices <k>",
      "how many devices run the REAL device runtime (node engine) in real time on a synthetic " +
        "audio stream with keywords planted every --every ms; the rest fire scheduled " +
        "detections without audio. Default min(N, 8): a small model costs ~5-20 ms of CPU per " +
        "audio second, a res8-sized one far more, and 2 cores are shared by all N connections",
      nonNegativeInt("--runtime-devices"),
    )
    .option(
      "--clips <dir>",
      "Speech Commands-layout folder (e.g. from `earshot data synth`) to take the planted keyword clips from (default: synthetic tones)",
    )
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { readFileSync } = await import("node:fs");
      const { UserError } = await import("../errors");
      const { checkOpenFiles } = await import("../../fleet/sim/limits");
      const { buildDetector, detectorSampleRate } = await import(
        "../../fleet/sim/runtime-detector"
      );
      const { loadClipBank } = await import("../../fleet/sim/audio-stream");
      const { startSimulation } = await import("../../fleet/sim/simulate");
      const { readArtifactFile } = await import("../../ota/artifact-file");
      checkOpenFiles(opts.devices);
      const read = (f: string, what: string) => {
        try {
          return new Uint8Array(readFileSync(f));
        } catch (e) {
          throw new UserError(`cannot read ${what} ${f}: ${(e as Error).message}`);
        }
      };
      const { modelOrShipped } = await import("../../models/shipped");
      opts.model = modelOrShipped(opts.model);
      const model = read(opts.model, "model file");
      let decoded: ReturnType<typeof readArtifactFile>["model"];
      try {
        decoded = readArtifactFile(model).model;
      } catch (e) {
        throw new UserError(
          `${opts.model} is neither a valid earshot model file nor a device image: ${(e as Error).message}`,
        );
      }
      const labels = decoded.labels;
      const runtimeDevices = opts.runtimeDevices ?? Math.min(opts.devices, 8);
      const keywords = opts.keywords?.split(",") ?? labels.filter((l) => !l.startsWith("_"));
      if (runtimeDevices > 0) {
        // Fail here, naming the problem, rather than in a worker thread.
        try {
          const det = buildDetector(model, () => 0);
          if (opts.clips) loadClipBank(opts.clips, keywords, detectorSampleRate(det), 1);
        } catch (e) {
          throw new UserError(
            `${(e as Error).message} (pass --runtime-devices 0 to simulate without audio)`,
          );
        }
      }
      const { checkBrokerUrl } = await import("../../fleet/broker/url");
      const u = checkBrokerUrl(opts.broker, "--broker");
      const { readCredentialsJson } = await import("../../fleet/broker/credentials");
      // Default: the logins `fleet credentials` wrote where `fleet serve` reads them.
      const { existsSync } = await import("node:fs");
      const credsFile =
        opts.credentials ??
        (existsSync(".earshot/credentials.json") ? ".earshot/credentials.json" : undefined);
      const credentials = credsFile
        ? Object.fromEntries(readCredentialsJson(credsFile))
        : undefined;
      const publicKey = opts.publicKey ? read(opts.publicKey, "public key") : undefined;
      if (publicKey && publicKey.length !== 32) {
        throw new UserError(
          `--public-key ${opts.publicKey} is ${publicKey.length} bytes; want the 32-byte raw Ed25519 key (ota-signing.pub.bin from \`earshot ota keygen\`)`,
        );
      }
      const sim = startSimulation({
        url: `${u.protocol}//${u.host}`,
        fleet: opts.fleet,
        devices: opts.devices,
        prefix: opts.prefix,
        credentials,
        model,
        publicKey,
        keywords,
        everyMs: opts.every,
        durationMs: opts.duration * 1000,
        telemetryEveryMs: opts.telemetry,
        workers: opts.workers,
        runtimeDevices,
        clipsDir: opts.clips,
      });
      const online = await sim.connected;
      if (!opts.json)
        process.stderr.write(`${online} devices connected; running ${opts.duration} s\n`);
      await new Promise((r) => setTimeout(r, opts.duration * 1000));
      const { runtimeReports: _full, ...r } = await sim.stop();
      emit(opts, r, (x) =>
        [
          `devices      ${x.connected}/${x.devices} connected in ${x.connectSeconds.toFixed(1)} s (${x.workers} worker threads)`,
          `detections   ${x.detections} said, ${x.acked} acknowledged by the broker, ${x.buffered} still buffered, ${x.dropped} dropped`,
          `ota          ${x.activations} activations`,
          `runtime      ${x.runtime.devices.length} devices ran the real runtime (${x.runtime.realTime} kept real time, worst backlog ${x.runtime.maxLagMs} ms): ${x.runtime.hits}/${x.runtime.planted} planted keywords detected, ${x.runtime.falseAccepts} false accepts`,
        ].join("\n"),
      );
    });
}
