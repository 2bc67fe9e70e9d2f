/**
 * TFLite Micro's micro front end on the device: its config read from the model's key/values and
 * the front end the feature stage runs. A module of its own so that the default device bundle
 * (earshot-device.js, MFCC / LFBE models) can swap it for one that refuses
 * (device/tools/device-profiles.ts, targets/es5/one-front-end/no-tflm-micro.ts).
 */
import {
  TFLM_MICRO_FIELDS,
  type TflmMicroConfig,
  tflmMicroConfigProblem,
} from "../../shared/features/tflm-micro/config";
import { TflmMicroFrontEnd } from "../../shared/features/tflm-micro/frontend";
import { ModelFormatError } from "../../shared/model-format/errors";
import type { KeyValue } from "../../shared/model-format/types";
import { readFields } from "./key-values";

/** The tflm-micro config (front-end kind 2) in `kvs`; throws ModelFormatError naming the defect. */
export function tflmMicroConfigFromKeyValues(kvs: KeyValue[]): TflmMicroConfig {
  const cfg: { [k: string]: number | string } = { kind: "tflm-micro" };
  readFields(kvs, TFLM_MICRO_FIELDS, cfg);
  const tflm = cfg as unknown as TflmMicroConfig;
  const problem = tflmMicroConfigProblem(tflm);
  if (problem !== "") throw new ModelFormatError(`front-end config (tflm-micro): ${problem}`, -1);
  return tflm;
}

export function newTflmMicroFrontEnd(
  config: TflmMicroConfig,
  scratch: (n: number, wide: boolean) => number[],
): TflmMicroFrontEnd {
  return new TflmMicroFrontEnd(config, scratch);
}
