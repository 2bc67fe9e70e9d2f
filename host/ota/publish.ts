/**
 * `earshot ota publish`: read a device model file or a device image (artifact-file.ts), sign an
 * artifact with the host's private key (protocol/ota), and hand it to the running fleet service,
 * which stores it, offers it to the targets and serves chunks. Model id, version and default
 * threshold/smoothing come from the file unless overridden.
 */
import { readFileSync } from "node:fs";
import { buildArtifact } from "../../protocol/ota/artifact";
import { isValidId } from "../../protocol/topics";
import { type ArtifactFile, artifactDetector, readArtifactFile } from "./artifact-file";
import { OtaError } from "./errors";
import { loadSigningKey } from "./keys";
import type { PublishRequest } from "./request";

export interface PublishOptions {
  model: string;
  fleet: string;
  devices?: string[];
  version?: number;
  modelId?: string;
  key: string;
  service: string;
  chunkSize?: number;
  minRuntime?: string;
}

const userError = (msg: string) => new OtaError(msg);

export function buildPublishRequest(o: PublishOptions): PublishRequest {
  if (!isValidId(o.fleet)) throw userError(`invalid fleet id ${JSON.stringify(o.fleet)}`);
  for (const d of o.devices ?? []) {
    if (!isValidId(d)) throw userError(`invalid device id ${JSON.stringify(d)}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(o.model));
  } catch (e) {
    throw userError(`cannot read model file ${o.model}: ${(e as Error).message}`);
  }
  const model = readPublishable(o.model, bytes).model;
  const version = o.version ?? model.modelVersion;
  if (!Number.isInteger(version) || version < 1 || version > 2 ** 31 - 1) {
    throw userError(`version must be an integer 1..${2 ** 31 - 1}, got ${version}`);
  }
  const key = loadSigningKey(o.key);
  const artifact = buildArtifact(
    bytes,
    {
      modelId: o.modelId ?? model.modelId,
      fleet: o.fleet,
      version,
      minRuntime: o.minRuntime ?? "0.1.0",
      threshold: model.threshold,
      smoothing: model.smoothingWindow,
      chunkSize: o.chunkSize,
      keyId: key.keyId,
    },
    key.privateKey,
  );
  return {
    fleet: o.fleet,
    devices: o.devices,
    manifest: Buffer.from(artifact.manifestBytes).toString("hex"),
    signature: Buffer.from(artifact.signature).toString("hex"),
    model: Buffer.from(bytes).toString("base64"),
  };
}

/**
 * The model file or device image `bytes` (read from `file`), checked as far as the devices that
 * take it will not: an image bundle trusts what it loads, so an image must load in the runtime.
 */
export function readPublishable(file: string, bytes: Uint8Array): ArtifactFile {
  let read: ArtifactFile;
  try {
    read = readArtifactFile(bytes);
  } catch (e) {
    throw userError(
      `${file} is neither a valid earshot model file nor a device image: ${(e as Error).message}`,
    );
  }
  if (read.kind === "image") {
    try {
      artifactDetector(bytes, () => 0);
    } catch (e) {
      throw userError(
        `${file}: the device runtime cannot load this image: ${(e as Error).message}`,
      );
    }
  }
  return read;
}

/** POSTs JSON to the service; an HTTP error becomes a one-line user error. */
export async function callService(
  service: string,
  token: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const url = new URL(path, service);
  let res: Response;
  try {
    res = await fetch(url, {
      method: body === undefined ? "GET" : "POST",
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw userError(
      `cannot reach the fleet service at ${service} (is \`earshot fleet serve\` running?): ${(e as Error).message}`,
    );
  }
  const json = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw userError(`fleet service: ${json.error ?? `HTTP ${res.status}`}`);
  return json;
}
