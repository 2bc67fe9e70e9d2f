/**
 * Checkpoint directories: tfjs's own layout (model.json with topology and weights manifest,
 * weights.bin) written through a save handler, plus earshot.json describing what the model is
 * (architecture and config, labels, precision, front end), which export and eval need.
 * Quantized layers are registered classes, so a QAT checkpoint loads back as it was saved.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import "./qlayers";

export interface CheckpointMeta {
  /** Zoo name (host/models) and its config, when the model came from the zoo. */
  model?: string;
  config?: Record<string, unknown>;
  labels: string[];
  precision?: string;
  precisionOptions?: Record<string, unknown>;
  /** Front-end config (shared/features), copied into the device file header. */
  frontEnd?: Record<string, unknown>;
  [key: string]: unknown;
}

export async function saveCheckpoint(
  dir: string,
  model: tf.LayersModel,
  meta: CheckpointMeta,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const weightsManifest = [{ paths: ["weights.bin"], weights: a.weightSpecs ?? [] }];
      const json = {
        modelTopology: a.modelTopology,
        format: a.format,
        generatedBy: a.generatedBy,
        weightsManifest,
      };
      await writeFile(join(dir, "model.json"), JSON.stringify(json));
      const data = a.weightData as ArrayBuffer;
      await writeFile(join(dir, "weights.bin"), new Uint8Array(data));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  await writeFile(join(dir, "earshot.json"), `${JSON.stringify(meta, null, 2)}\n`);
}

function userError(message: string): Error {
  return Object.assign(new Error(message), { expected: true });
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch {
    throw userError(`${path}: cannot read ${what} (is this a checkpoint directory?)`);
  }
}

export async function loadCheckpoint(
  dir: string,
): Promise<{ model: tf.LayersModel; meta: CheckpointMeta }> {
  let json: {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  let meta: CheckpointMeta;
  try {
    json = JSON.parse(await readText(join(dir, "model.json"), "model.json"));
    meta = JSON.parse(await readText(join(dir, "earshot.json"), "earshot.json"));
  } catch (e) {
    if ((e as { expected?: boolean }).expected) throw e;
    throw userError(`${dir}: malformed checkpoint JSON (${(e as Error).message})`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest))
    throw userError(`${dir}/model.json: no modelTopology/weightsManifest`);
  const buf = await readFile(join(dir, "weights.bin")).catch(() => {
    throw userError(`${dir}/weights.bin: cannot read`);
  });
  const weightData = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }),
  );
  if (!Array.isArray(meta.labels)) throw userError(`${dir}/earshot.json: no labels`);
  return { model, meta };
}
