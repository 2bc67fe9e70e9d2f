/**
 * The front-end config stored in a model file as numeric key/values (FrontEndConfig field
 * names; `kind` is 0 for "mfcc", 1 for "lfbe"). Missing or malformed fields are a model error.
 */
import type { FrontEndConfig } from "../../shared/features/config";
import { ModelFormatError } from "../../shared/model-format/errors";
import type { KeyValue } from "../../shared/model-format/types";

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

export function frontEndFromKeyValues(kvs: KeyValue[]): FrontEndConfig {
  const kind = lookup(kvs, "kind", 0);
  if (kind !== 0 && kind !== 1)
    throw new ModelFormatError(`front-end kind ${kind} is not 0 (mfcc) or 1 (lfbe)`, -1);
  const cfg: { [k: string]: number | string } = { kind: kind === 0 ? "mfcc" : "lfbe" };
  for (let i = 0; i < NUMERIC_FIELDS.length; i++) {
    const v = lookup(kvs, NUMERIC_FIELDS[i], Number.NaN);
    // biome-ignore lint/suspicious/noSelfCompare: portable NaN test
    if (v !== v) throw new ModelFormatError(`front-end config lacks '${NUMERIC_FIELDS[i]}'`, -1);
    cfg[NUMERIC_FIELDS[i]] = v;
  }
  return cfg as unknown as FrontEndConfig;
}

export function frontEndToKeyValues(cfg: FrontEndConfig): KeyValue[] {
  const kvs: KeyValue[] = [{ key: "kind", value: cfg.kind === "mfcc" ? 0 : 1 }];
  const rec = cfg as unknown as { [k: string]: number };
  for (let i = 0; i < NUMERIC_FIELDS.length; i++)
    kvs.push({ key: NUMERIC_FIELDS[i], value: rec[NUMERIC_FIELDS[i]] });
  return kvs;
}
