import type { Command } from "@commander-js/extra-typings";
import { nonNegativeInt, nonNegativeNumber } from "../args";
import { group } from "../group";
import { emit } from "../output";
import { serviceOption, signingKeyOption, tokenFileOption } from "../service-options";

const MODEL_HELP =
  "device model file, or a device image (`earshot device image`) for devices that run an image bundle: each device takes only the kind its bundle loads";

export function register(program: Command): void {
  const ota = group(program, "ota", "Signed over-the-air model updates");

  ota
    .command("keygen")
    .description(
      "Create the Ed25519 key pair that signs OTA artifacts (devices carry the public key)",
    )
    .option("--out <dir>", "directory for the keys", "ota-keys")
    .option("--force", "replace an existing key pair")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { keygen } = await import("../../ota/keys");
      const r = keygen(opts.out, opts.force);
      emit(opts, r, (x) =>
        [
          `key id      ${x.keyId}`,
          `private key ${x.privateKey} (keep on the host)`,
          `public key  ${x.publicKeyPem}, raw ${x.publicKeyRaw}`,
          `device key  ${x.publicKeyHex}`,
        ].join("\n"),
      );
    });

  ota
    .command("publish")
    .description(
      "Sign a model file (or a device image) and publish it to a fleet (or some devices) via the fleet service",
    )
    .requiredOption("--model <file>", MODEL_HELP)
    .requiredOption("--fleet <name>", "fleet id")
    .option("--devices <ids>", "comma-separated device ids (default: the whole fleet)")
    .option(
      "--version <n>",
      "artifact version (default: the model file's)",
      nonNegativeInt("--version"),
    )
    .option("--model-id <id>", "model id (default: the model file's)")
    .addOption(signingKeyOption())
    .option("--chunk-size <bytes>", "bytes per chunk (1..4096)", nonNegativeInt("--chunk-size"))
    .option("--min-runtime <semver>", "lowest device runtime version", "0.1.0")
    .addOption(serviceOption())
    .addOption(tokenFileOption())
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { buildPublishRequest, callService } = await import("../../ota/publish");
      const { clientApiToken } = await import("../../fleet/api-token");
      const token = clientApiToken(opts.apiTokenFile);
      const body = buildPublishRequest({
        ...opts,
        devices: opts.devices
          ?.split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      });
      const r = (await callService(opts.service, token, "/api/ota/publish", body)) as {
        deployment: { id: number; modelId: string; version: number; fleet: string };
        offeredOn: string[];
        chunks: number;
      };
      emit(
        opts,
        r,
        (x) =>
          `deployment ${x.deployment.id}: ${x.deployment.modelId} v${x.deployment.version} offered on ` +
          `${x.offeredOn.length} topic(s), ${x.chunks} chunks`,
      );
    });

  ota
    .command("rollout")
    .description(
      "Staged rollout: offer a signed model to a canary cohort, compare its field FA/hour with the control cohort and the limit, then promote it to the fleet or roll the canary back automatically",
    )
    .requiredOption("--model <file>", MODEL_HELP)
    .requiredOption("--fleet <name>", "fleet id")
    .option(
      "--canary-fraction <f>",
      "share of the fleet's devices in the canary (0..1]",
      nonNegativeNumber("--canary-fraction"),
      0.1,
    )
    .requiredOption(
      "--max-fa-per-hour <x>",
      "roll back when the canary's estimated false accepts per device-hour exceed this",
      nonNegativeNumber("--max-fa-per-hour"),
    )
    .option(
      "--min-device-hours <h>",
      "canary device-hours on the new model before deciding",
      nonNegativeNumber("--min-device-hours"),
      1,
    )
    .option(
      "--version <n>",
      "artifact version (default: above every version the fleet runs or was offered)",
      nonNegativeInt("--version"),
    )
    .addOption(signingKeyOption())
    .option("--chunk-size <bytes>", "bytes per chunk (1..4096)", nonNegativeInt("--chunk-size"))
    .option("--no-wait", "return once the canary is offered (the service decides on its own)")
    .option(
      "--timeout <s>",
      "give up waiting for the decision after this long",
      nonNegativeInt("--timeout"),
      3600,
    )
    .addOption(serviceOption())
    .addOption(tokenFileOption())
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { UserError } = await import("../errors");
      if (!(opts.canaryFraction > 0 && opts.canaryFraction <= 1))
        throw new UserError(`--canary-fraction must be in (0, 1] (got ${opts.canaryFraction})`);
      const { buildPublishRequest, callService, readPublishable } = await import(
        "../../ota/publish"
      );
      const { clientApiToken } = await import("../../fleet/api-token");
      const { signedCommandHex } = await import("../../fleet/commands/client");
      const { readFileSync } = await import("node:fs");
      const token = clientApiToken(opts.apiTokenFile);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(readFileSync(opts.model));
      } catch (e) {
        throw new UserError(`cannot read model file ${opts.model}: ${(e as Error).message}`);
      }
      const file = readPublishable(opts.model, bytes).model;
      let version = opts.version;
      if (version === undefined) {
        // Devices refuse versions <= the one they run; a rolled-back version is taken too.
        const devices = (await callService(
          opts.service,
          token,
          `/api/devices?fleet=${encodeURIComponent(opts.fleet)}`,
        )) as { modelId: string | null; modelVersion: number | null }[];
        const offered = (await callService(opts.service, token, "/api/ota/status")) as {
          modelId: string;
          version: number;
        }[];
        const seen = [
          ...devices.filter((d) => d.modelId === file.modelId).map((d) => d.modelVersion ?? 0),
          ...offered.filter((d) => d.modelId === file.modelId).map((d) => d.version),
        ];
        version = Math.max(file.modelVersion, ...seen.map((v) => v + 1));
      }
      const publish = buildPublishRequest({
        model: opts.model,
        fleet: opts.fleet,
        version,
        key: opts.key,
        service: opts.service,
        chunkSize: opts.chunkSize,
      });
      const revert = signedCommandHex(
        { op: "revert", modelId: file.modelId, version },
        opts.fleet,
        opts.key,
      );
      type Row = { id: number; state: string; reason: string; canary: string[] };
      let row = (await callService(opts.service, token, "/api/ota/rollout", {
        publish,
        canaryFraction: opts.canaryFraction,
        maxFaPerHour: opts.maxFaPerHour,
        minDeviceHours: opts.minDeviceHours,
        revert: revert.hex,
      })) as Row;
      if (!opts.json)
        process.stderr.write(
          `rollout ${row.id}: ${file.modelId} v${version} offered to canary ${row.canary.join(", ")}\n`,
        );
      const until = Date.now() + opts.timeout * 1000;
      while (opts.wait && row.state === "canary" && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 1000));
        const all = (await callService(opts.service, token, "/api/ota/rollouts")) as Row[];
        row = all.find((r) => r.id === row.id) ?? row;
      }
      emit(opts, row, (r) => `rollout ${r.id}: ${r.state}: ${r.reason}`);
    });

  ota
    .command("status")
    .description("OTA deployments and the outcomes devices reported")
    .addOption(serviceOption())
    .addOption(tokenFileOption())
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { callService } = await import("../../ota/publish");
      const { clientApiToken } = await import("../../fleet/api-token");
      const token = clientApiToken(opts.apiTokenFile);
      const rows = (await callService(opts.service, token, "/api/ota/status")) as {
        id: number;
        fleet: string;
        modelId: string;
        version: number;
        devices: string[] | null;
        outcomes: Record<string, number>;
        state: string;
        reason: string;
      }[];
      emit(opts, rows, (list) =>
        list.length === 0
          ? "no deployments"
          : list
              .map((d) => {
                const oc =
                  Object.entries(d.outcomes)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(" ") || "no reports yet";
                const target = d.devices ? `${d.devices.length} device(s)` : "whole fleet";
                return `#${d.id} ${d.modelId} v${d.version} -> ${d.fleet} (${target}): ${oc}; ${d.state}: ${d.reason}`;
              })
              .join("\n"),
      );
    });
}
