/**
 * Writes a front-end config as a model file's key/values (host side: export, import, benches).
 * Apart from frontend-config.ts so the device bundles, which only read, do not carry the
 * tflm-micro field list (tools/device-profiles.ts).
 */
import { TFLM_MICRO_FIELDS } from "../../shared/features/tflm-micro/config";
import type { KeyValue } from "../../shared/model-format/types";
import {
  type DeviceFrontEndConfig,
  KIND_LFBE,
  KIND_MFCC,
  KIND_TFLM_MICRO,
  NUMERIC_FIELDS,
} from "./frontend-config";

export function frontEndToKeyValues(cfg: DeviceFrontEndConfig): KeyValue[] {
  const tflm = cfg.kind === "tflm-micro";
  const kind = tflm ? KIND_TFLM_MICRO : cfg.kind === "mfcc" ? KIND_MFCC : KIND_LFBE;
  const kvs: KeyValue[] = [{ key: "kind", value: kind }];
  const rec = cfg as unknown as { [k: string]: number };
  const fields = tflm ? TFLM_MICRO_FIELDS : NUMERIC_FIELDS;
  for (let i = 0; i < fields.length; i++) kvs.push({ key: fields[i], value: rec[fields[i]] });
  return kvs;
}
