/**
 * Checkpoints on the local file system (tfjs-node's file:// handler is unavailable here):
 *
 *   <dir>/model.json    tfjs LayersModel artifacts (topology + weights manifest, "weights.bin")
 *   <dir>/weights.bin   every model weight (trainable and not) in model.weights order
 *   <dir>/earshot.json  CheckpointMeta: how to rebuild the model and feed it
 *   <dir>/optimizer.*   optimizer state (resumable checkpoints only)
 *   <dir>/state.json    loop state (resumable checkpoints only)
 *
 * Loading rebuilds the architecture from earshot.json with the model zoo and sets the weights in
 * order, so custom layers need no serialization registry. Files are written to a temp folder and
 * swapped in, so an interrupted save never leaves a half checkpoint.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { FrontEndConfig } from "../../shared/features";
import { buildModel, isModelName, type ModelName } from "../models";
import { CheckpointError } from "./errors";
import type { InputNorm } from "./features";

export const CHECKPOINT_FORMAT = "earshot-tfjs-checkpoint";

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  model: { name: ModelName; config: Record<string, unknown> };
  /** Class names by output index. */
  labels: string[];
  keywords: string[];
  frontEnd: FrontEndConfig;
  /** Applied to features before the model: (x - mean[c]) / std[c] per coefficient. */
  inputNorm: InputNorm;
  /** [frames, coeffs, 1]. */
  inputShape: [number, number, number];
  /** Epochs completed and optimizer steps taken when saved. */
  epoch: number;
  step: number;
  metrics: Record<string, number>;
}

export interface Checkpoint {
  model: tf.LayersModel;
  meta: CheckpointMeta;
}

function encodeTensors(named: { name: string; tensor: tf.Tensor }[]) {
  return tf.io.encodeWeights(named);
}

function writeBin(path: string, data: ArrayBuffer | ArrayBuffer[]): void {
  const buf = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  writeFileSync(path, new Uint8Array(buf));
}

function readBin(path: string): ArrayBuffer {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Writes `files` (name -> writer) into `dir` atomically: temp folder, then rename. */
function writeDirAtomic(dir: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  return write(tmp).then(() => {
    const old = `${dir}.old-${process.pid}`;
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  });
}

/** Saves model (+ optional optimizer and loop state) as a checkpoint folder. */
export async function saveCheckpoint(
  dir: string,
  model: tf.LayersModel,
  meta: CheckpointMeta,
  extra: { optimizer?: tf.Optimizer; state?: unknown; average?: readonly tf.Tensor[] } = {},
): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    const named = model.weights.map((w, i) => ({ name: `${i}:${w.name}`, tensor: w.read() }));
    const { data, specs } = await encodeTensors(named);
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const modelJson = {
          modelTopology: artifacts.modelTopology,
          format: "layers-model",
          generatedBy: "earshot",
          weightsManifest: [{ paths: ["weights.bin"], weights: specs }],
        };
        writeFileSync(join(tmp, "model.json"), JSON.stringify(modelJson));
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    writeBin(join(tmp, "weights.bin"), data);
    writeFileSync(join(tmp, "earshot.json"), `${JSON.stringify(meta, null, 2)}\n`);
    if (extra.optimizer) {
      const ow = [...(await extra.optimizer.getWeights()), ...adamPowers(extra.optimizer)];
      const enc = await encodeTensors(ow);
      writeBin(join(tmp, "optimizer.bin"), enc.data);
      writeFileSync(join(tmp, "optimizer.json"), JSON.stringify(enc.specs));
    }
    if (extra.average) {
      // The weight average (weight-average.ts), in model.weights order: a resumed run goes on
      // averaging where it stopped.
      const enc = await encodeTensors(extra.average.map((tensor, i) => ({ name: `${i}`, tensor })));
      writeBin(join(tmp, "average.bin"), enc.data);
      writeFileSync(join(tmp, "average.json"), JSON.stringify(enc.specs));
    }
    if (extra.state !== undefined) {
      writeFileSync(join(tmp, "state.json"), `${JSON.stringify(extra.state, null, 2)}\n`);
    }
  });
}

/** Whether `dir` looks like an earshot checkpoint folder. */
export function isCheckpointDir(dir: string): boolean {
  return existsSync(join(dir, "earshot.json")) && existsSync(join(dir, "model.json"));
}

/**
 * The checkpoint folder a --model path names: itself, or `<dir>/best` for a training run's
 * --out folder. Every command that takes a checkpoint resolves it here, so they all accept both.
 */
export function resolveCheckpointDir(path: string): string {
  if (isCheckpointDir(path)) return path;
  if (isCheckpointDir(join(path, "best"))) return join(path, "best");
  throw new CheckpointError(
    `${path}: no earshot checkpoint here (expected earshot.json and model.json, or a training run's best/)`,
  );
}

export function readMeta(dir: string): CheckpointMeta {
  const path = join(dir, "earshot.json");
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(readFileSync(path, "utf8")) as CheckpointMeta;
  } catch (err) {
    throw new CheckpointError(
      `${path}: not a readable earshot checkpoint (${(err as Error).message})`,
    );
  }
  if (meta.format !== CHECKPOINT_FORMAT || !isModelName(meta.model?.name ?? "")) {
    throw new CheckpointError(`${path}: not an earshot checkpoint (format '${meta.format}')`);
  }
  return meta;
}

/** Loads a checkpoint: rebuilds the model from its meta and sets the saved weights. */
export function loadCheckpoint(path: string): Checkpoint {
  const dir = resolveCheckpointDir(path);
  const meta = readMeta(dir);
  // QAT / binary / pruned checkpoints hold layers the zoo does not build: they load from their
  // saved topology (host/compress/checkpoint.ts loadModelDir; host/eval picks the loader).
  const { precision, compression } = meta as { precision?: string; compression?: unknown };
  if ((precision && precision !== "float") || compression !== undefined)
    throw new CheckpointError(
      `${dir}: a compressed checkpoint (precision '${precision ?? "float"}'): load it with host/compress/checkpoint`,
    );
  const model = buildModel(meta.model.name, meta.model.config as never);
  loadWeightsInto(dir, model);
  return { model, meta };
}

/** Sets `model`'s weights from `dir`/weights.bin (same architecture, same weight order). */
export function loadWeightsInto(dir: string, model: tf.LayersModel): void {
  const manifest = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as {
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const specs = manifest.weightsManifest.flatMap((g) => g.weights);
  const tensors = tf.io.decodeWeights(readBin(join(dir, "weights.bin")), specs);
  const values = specs.map((s) => tensors[s.name]);
  const weights = model.weights;
  if (values.length !== weights.length) {
    throw new CheckpointError(
      `${dir}: checkpoint has ${values.length} weights, the model has ${weights.length}`,
    );
  }
  values.forEach((v, i) => {
    if (v.shape.join("x") !== weights[i].shape.join("x")) {
      throw new CheckpointError(
        `${dir}: weight ${i} (${weights[i].name}) is ${v.shape} in the checkpoint, ${weights[i].shape} in the model`,
      );
    }
  });
  tf.tidy(() => {
    weights.forEach((w, i) => {
      w.write(values[i]);
    });
  });
  tf.dispose(values);
}

/** The weight average saved with saveCheckpoint(…, { average }), or null when there is none. */
export function loadAverage(dir: string): tf.Tensor[] | null {
  if (!existsSync(join(dir, "average.json"))) return null;
  const specs = JSON.parse(
    readFileSync(join(dir, "average.json"), "utf8"),
  ) as tf.io.WeightsManifestEntry[];
  const tensors = tf.io.decodeWeights(readBin(join(dir, "average.bin")), specs);
  return specs.map((s) => tensors[s.name]);
}

/** Restores optimizer state saved with saveCheckpoint(…, { optimizer }). */
export async function loadOptimizerInto(dir: string, optimizer: tf.Optimizer): Promise<void> {
  const specs = JSON.parse(
    readFileSync(join(dir, "optimizer.json"), "utf8"),
  ) as tf.io.WeightsManifestEntry[];
  const tensors = tf.io.decodeWeights(readBin(join(dir, "optimizer.bin")), specs);
  const isPower = (name: string) => name.startsWith(ADAM_POWER);
  await optimizer.setWeights(
    specs.filter((s) => !isPower(s.name)).map((s) => ({ name: s.name, tensor: tensors[s.name] })),
  );
  // Adam's setWeights recomputes beta^t with pow(); training accumulated it by repeated
  // multiplication, which differs in the last bits. Restore the saved values so a resumed run
  // equals an uninterrupted one exactly.
  const o = optimizer as unknown as Record<string, tf.Variable | undefined>;
  for (const s of specs.filter((s) => isPower(s.name))) {
    o[s.name.slice(ADAM_POWER.length)]?.assign(tensors[s.name] as tf.Scalar);
  }
}

const ADAM_POWER = "earshot/adam-power/";

/** Adam's running beta1^t and beta2^t (private fields of tfjs' AdamOptimizer), when present. */
function adamPowers(optimizer: tf.Optimizer): { name: string; tensor: tf.Tensor }[] {
  const o = optimizer as unknown as Record<string, unknown>;
  return ["accBeta1", "accBeta2"]
    .filter((k) => o[k] instanceof tf.Variable)
    .map((k) => ({ name: `${ADAM_POWER}${k}`, tensor: o[k] as tf.Variable }));
}

export function readState<T>(dir: string): T | null {
  const p = join(dir, "state.json");
  return existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as T) : null;
}
