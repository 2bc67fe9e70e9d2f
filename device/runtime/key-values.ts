/** Reading a model file's numeric key/values (its front-end config). */
import { ModelFormatError } from "../../shared/model-format/errors";
import type { KeyValue } from "../../shared/model-format/types";

/** The value of `key` in `kvs`, or `fallback` when absent. */
export function lookup(kvs: KeyValue[], key: string, fallback: number): number {
  for (let i = 0; i < kvs.length; i++) if (kvs[i].key === key) return kvs[i].value;
  return fallback;
}

/** Copies `fields` from `kvs` into `cfg`; a missing one is a model error. */
export function readFields(
  kvs: KeyValue[],
  fields: string[],
  cfg: { [k: string]: number | string },
): void {
  for (let i = 0; i < fields.length; i++) {
    const v = lookup(kvs, fields[i], Number.NaN);
    // biome-ignore lint/suspicious/noSelfCompare: portable NaN test
    if (v !== v) throw new ModelFormatError(`front-end config lacks '${fields[i]}'`, -1);
    cfg[fields[i]] = v;
  }
}
