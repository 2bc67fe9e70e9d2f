/**
 * Checkpoint folders for compressed models, in the trainer's format (host/train/checkpoint.ts:
 * model.json + weights.bin in model.weights order + earshot.json), with two additions to the
 * meta: `precision` (+ options) and `compression` notes (pruning, PTQ bits...).
 *
 * Loading rebuilds the graph from model.json's topology rather than the zoo config, because a
 * quantized, binary or structurally pruned model no longer matches its zoo builder; the
 * quantized layers are registered tfjs classes, so the topology deserializes as saved.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  type CheckpointMeta,
  loadWeightsInto,
  readMeta,
  resolveCheckpointDir,
  saveCheckpoint,
} from "../train/checkpoint";
import { CheckpointError } from "../train/errors";
import type { Precision, PrecisionOptions } from "./precision";
import "./qlayers";
import "./regularizers";

export interface CompressedMeta extends CheckpointMeta {
  precision?: Precision;
  precisionOptions?: PrecisionOptions;
  /** What was done to the model after training, in order. */
  compression?: Record<string, unknown>[];
}

export async function saveModelDir(
  dir: string,
  model: tf.LayersModel,
  meta: CompressedMeta,
): Promise<void> {
  await saveCheckpoint(dir, model, meta);
}

/** Loads a checkpoint folder, or a training run's folder (its best/). */
export async function loadModelDir(
  path: string,
): Promise<{ model: tf.LayersModel; meta: CompressedMeta }> {
  const dir = resolveCheckpointDir(path);
  const meta = readMeta(dir) as CompressedMeta;
  let topology: unknown;
  try {
    topology = (
      JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as { modelTopology?: unknown }
    ).modelTopology;
  } catch (e) {
    throw new CheckpointError(`${dir}/model.json: ${(e as Error).message}`);
  }
  if (!topology || typeof topology !== "object")
    throw new CheckpointError(`${dir}/model.json: no modelTopology`);
  let model: tf.LayersModel;
  try {
    model = await tf.models.modelFromJSON({
      modelTopology: topology as tf.io.ModelJSON["modelTopology"],
    });
  } catch (e) {
    throw new CheckpointError(
      `${dir}/model.json: cannot rebuild the model (${(e as Error).message})`,
    );
  }
  loadWeightsInto(dir, model);
  return { model, meta };
}

/** Adds a compression step to a meta copy. */
export function withStep(
  meta: CompressedMeta,
  step: Record<string, unknown>,
  patch: Partial<CompressedMeta> = {},
): CompressedMeta {
  return { ...meta, ...patch, compression: [...(meta.compression ?? []), step] };
}
