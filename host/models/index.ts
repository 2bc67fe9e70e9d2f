/**
 * The model zoo: `buildModel(name, config)` builds any earshot model from a plain JSON config
 * (input frames x coefficients, classes, and each architecture's hyperparameters), so a
 * checkpoint can record {name, config} and be rebuilt exactly.
 */
import * as tf from "@tensorflow/tfjs";
import { buildDsStream, type DsStreamOptions } from "./ds-stream";
import { buildDsCnn, type DsCnnConfig } from "./dscnn";
import { ModelError } from "./errors";
import { buildFfn, type FfnConfig } from "./ffn";
import { buildMbNet, type MbNetConfig } from "./mbconv";
import { buildRes8, type Res8Options } from "./res8";
import { buildRes8Bin, type Res8BinConfig } from "./res8-bin";
import { buildRes8Stream, type Res8StreamOptions } from "./res8-stream";
import { buildTinyConv, type TinyConvConfig } from "./tinyconv";

export { countParams } from "./common";

export interface ModelConfigs {
  "res8-narrow": Res8Options;
  res8: Res8Options;
  "res8-bin": Res8BinConfig;
  "res8-stream": Res8StreamOptions;
  tinyconv: TinyConvConfig;
  "ds-cnn-s": DsCnnConfig;
  "ds-stream": DsStreamOptions;
  ffn: FfnConfig;
  mbnet: MbNetConfig;
}

export type ModelName = keyof ModelConfigs;

const BUILDERS: { [K in ModelName]: (c: ModelConfigs[K]) => tf.LayersModel } = {
  "res8-narrow": (c) => buildRes8(tf, { filters: 19, ...c }),
  res8: (c) => buildRes8(tf, { filters: 45, ...c }),
  "res8-bin": buildRes8Bin,
  "res8-stream": (c) => buildRes8Stream(tf, c),
  tinyconv: buildTinyConv,
  "ds-cnn-s": buildDsCnn,
  "ds-stream": (c) => buildDsStream(tf, c),
  ffn: buildFfn,
  mbnet: buildMbNet,
};

export const MODEL_NAMES = Object.keys(BUILDERS) as ModelName[];

type Hyperparameter<K extends ModelName> = Exclude<
  keyof ModelConfigs[K],
  "inputShape" | "numClasses"
>;

/** Each builder's hyperparameters: what `train --model-config` may set. */
const HYPERPARAMETERS: { [K in ModelName]: readonly Hyperparameter<K>[] } = {
  "res8-narrow": ["filters", "blocks", "kernel", "pool"],
  res8: ["filters", "blocks", "kernel", "pool"],
  "res8-bin": ["filters", "stemFilters", "blocks", "kernel", "downsample", "relu"],
  "res8-stream": ["filters", "blocks", "pool", "skip", "head"],
  tinyconv: ["filters", "kernel", "strides", "dropout"],
  "ds-cnn-s": ["filters", "blocks", "firstKernel", "firstStrides", "kernel"],
  "ds-stream": ["filters", "stemFilters", "blocks", "pool", "head"],
  ffn: ["widths", "downsample", "swapBnAct", "clip"],
  mbnet: ["channels", "blocks", "strided", "headChannels"],
};

/** Refuses hyperparameters `name`'s builder does not read (a typo would otherwise be ignored). */
export function checkModelConfig(name: ModelName, config: Record<string, unknown>): void {
  const known = HYPERPARAMETERS[name] as readonly string[];
  const unknown = Object.keys(config).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    throw new ModelError(
      `${name} has no hyperparameter ${unknown.join(", ")} (it has: ${known.join(", ")})`,
    );
}

export function isModelName(name: string): name is ModelName {
  return name in BUILDERS;
}

export function buildModel<K extends ModelName>(name: K, config: ModelConfigs[K]): tf.LayersModel {
  const build = BUILDERS[name] as ((c: ModelConfigs[K]) => tf.LayersModel) | undefined;
  if (!build) {
    throw new ModelError(`unknown model '${name}' (known: ${MODEL_NAMES.join(", ")})`);
  }
  return build(config);
}
