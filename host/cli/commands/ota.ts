import type { Command } from "@commander-js/extra-typings";
import { UserError } from "../errors";
import { group } from "../group";
import { emit } from "../output";

const DEFAULT_SERVICE = process.env.EARSHOT_SERVICE ?? "http://127.0.0.1:8080";

const intArg = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    throw new UserError(`${what} must be a non-negative integer, got "${v}"`);
  }
  return n;
};

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
      "Sign a model file and publish it to a fleet (or some devices) via the fleet service",
    )
    .requiredOption("--model <file>", "device model file")
    .requiredOption("--fleet <name>", "fleet id")
    .option("--devices <ids>", "comma-separated device ids (default: the whole fleet)")
    .option("--version <n>", "artifact version (default: the model file's)", intArg("--version"))
    .option("--model-id <id>", "model id (default: the model file's)")
    .option("--key <file>", "private signing key", "ota-keys/ota-signing.key")
    .option("--chunk-size <bytes>", "bytes per chunk (1..4096)", intArg("--chunk-size"))
    .option("--min-runtime <semver>", "lowest device runtime version", "0.1.0")
    .option("--service <url>", "fleet service HTTP URL (env EARSHOT_SERVICE)", DEFAULT_SERVICE)
    .option(
      "--api-token-file <file>",
      "the service's API token (env EARSHOT_API_TOKEN wins)",
      ".earshot/api-token",
    )
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
    .command("status")
    .description("OTA deployments and the outcomes devices reported")
    .option("--service <url>", "fleet service HTTP URL (env EARSHOT_SERVICE)", DEFAULT_SERVICE)
    .option(
      "--api-token-file <file>",
      "the service's API token (env EARSHOT_API_TOKEN wins)",
      ".earshot/api-token",
    )
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
                return `#${d.id} ${d.modelId} v${d.version} -> ${d.fleet} (${target}): ${oc}`;
              })
              .join("\n"),
      );
    });
}
