/**
 * The front-end config stored in a model file as numeric key/values: `kind` 0 "mfcc" and 1
 * "lfbe" (FrontEndConfig field names), 2 "tflm-micro" (TflmMicroConfig field names: TFLite
 * Micro's micro_speech front end, written by `earshot import tflite`). Missing or malformed
 * fields are a model error.
 */
import type { FrontEndConfig } from "../../shared/features/config";
import type { TflmMicroConfig } from "../../shared/features/tflm-micro/config";
import { ModelFormatError } from "../../shared/model-format/errors";
import type { KeyValue } from "../../shared/model-format/types";
// Its own module: the MFCC device bundle swaps it for a refusal (tools/device-profiles.ts).
import { tflmMicroConfigFromKeyValues } from "./front-end-tflm-micro";
import { lookup, readFields } from "./key-values";

export { lookup } from "./key-values";

/** What a device can run: earshot's MFCC / LFBE, or TFLM's micro front end. */
export type DeviceFrontEndConfig = FrontEndConfig | TflmMicroConfig;

export const KIND_MFCC = 0;
export const KIND_LFBE = 1;
export const KIND_TFLM_MICRO = 2;

/** The mfcc / lfbe fields, in stored order. */
export const NUMERIC_FIELDS: string[] = [
  "sampleRate",
  "windowMs",
  "hopMs",
  "fftSize",
  "nMels",
  "fMin",
  "fMax",
  "nCoeffs",
  "logFloor",
];

/** Any front end the device runs; throws ModelFormatError naming what is wrong. */
export function deviceFrontEndFromKeyValues(kvs: KeyValue[]): DeviceFrontEndConfig {
  if (kvs.length === 0) throw new ModelFormatError("the model names no front end", -1);
  const kind = lookup(kvs, "kind", 0);
  if (kind === KIND_TFLM_MICRO) return tflmMicroConfigFromKeyValues(kvs);
  if (kind !== KIND_MFCC && kind !== KIND_LFBE)
    throw new ModelFormatError(
      `front-end kind ${kind} is not 0 (mfcc), 1 (lfbe) or 2 (tflm-micro)`,
      -1,
    );
  const cfg: { [k: string]: number | string } = { kind: kind === KIND_MFCC ? "mfcc" : "lfbe" };
  readFields(kvs, NUMERIC_FIELDS, cfg);
  return cfg as unknown as FrontEndConfig;
}

/** An MFCC / LFBE front end (what host-side float paths compute); other kinds are refused. */
export function frontEndFromKeyValues(kvs: KeyValue[]): FrontEndConfig {
  const cfg = deviceFrontEndFromKeyValues(kvs);
  if (cfg.kind === "tflm-micro")
    throw new ModelFormatError("front end tflm-micro: this path computes mfcc / lfbe only", -1);
  return cfg;
}
