/**
 * The front-end config stored in a model file as numeric key/values: `kind` 0 "mfcc" and 1
 * "lfbe" (FrontEndConfig field names), 2 "tflm-micro" (TflmMicroConfig field names: TFLite
 * Micro's micro_speech front end, written by `earshot import tflite`). Missing or malformed
 * fields are a model error.
 */
import type { FrontEndConfig } from "../../shared/features/config";
import {
  TFLM_MICRO_FIELDS,
  type TflmMicroConfig,
  tflmMicroConfigProblem,
} from "../../shared/features/tflm-micro/config";
import { ModelFormatError } from "../../shared/model-format/errors";
import type { KeyValue } from "../../shared/model-format/types";

/** What a device can run: earshot's MFCC / LFBE, or TFLM's micro front end. */
export type DeviceFrontEndConfig = FrontEndConfig | TflmMicroConfig;

export const KIND_MFCC = 0;
export const KIND_LFBE = 1;
export const KIND_TFLM_MICRO = 2;

const NUMERIC_FIELDS: string[] = [
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

/** The value of `key` in `kvs`, or `fallback` when absent. */
export function lookup(kvs: KeyValue[], key: string, fallback: number): number {
  for (let i = 0; i < kvs.length; i++) if (kvs[i].key === key) return kvs[i].value;
  return fallback;
}

function readFields(kvs: KeyValue[], fields: string[], cfg: { [k: string]: number | string }) {
  for (let i = 0; i < fields.length; i++) {
    const v = lookup(kvs, fields[i], Number.NaN);
    // biome-ignore lint/suspicious/noSelfCompare: portable NaN test
    if (v !== v) throw new ModelFormatError(`front-end config lacks '${fields[i]}'`, -1);
    cfg[fields[i]] = v;
  }
}

/** Any front end the device runs; throws ModelFormatError naming what is wrong. */
export function deviceFrontEndFromKeyValues(kvs: KeyValue[]): DeviceFrontEndConfig {
  if (kvs.length === 0) throw new ModelFormatError("the model names no front end", -1);
  const kind = lookup(kvs, "kind", 0);
  if (kind === KIND_TFLM_MICRO) {
    const cfg: { [k: string]: number | string } = { kind: "tflm-micro" };
    readFields(kvs, TFLM_MICRO_FIELDS, cfg);
    const tflm = cfg as unknown as TflmMicroConfig;
    const problem = tflmMicroConfigProblem(tflm);
    if (problem !== "") throw new ModelFormatError(`front-end config (tflm-micro): ${problem}`, -1);
    return tflm;
  }
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

export function frontEndToKeyValues(cfg: DeviceFrontEndConfig): KeyValue[] {
  const tflm = cfg.kind === "tflm-micro";
  const kind = tflm ? KIND_TFLM_MICRO : cfg.kind === "mfcc" ? KIND_MFCC : KIND_LFBE;
  const kvs: KeyValue[] = [{ key: "kind", value: kind }];
  const rec = cfg as unknown as { [k: string]: number };
  const fields = tflm ? TFLM_MICRO_FIELDS : NUMERIC_FIELDS;
  for (let i = 0; i < fields.length; i++) kvs.push({ key: fields[i], value: rec[fields[i]] });
  return kvs;
}
