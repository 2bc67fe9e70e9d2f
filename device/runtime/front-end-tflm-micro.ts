/**
 * TFLite Micro's micro front end on the device: its config read from the model's key/values and
 * the front end the feature stage runs. A module of its own so that the default device bundle
 * (earshot-device.js, MFCC / LFBE models) can swap it for one that refuses
 * (device/tools/device-profiles.ts, targets/es5/one-front-end/no-tflm-micro.ts). Its int8
 * frames' way into the detector's ring lives here for the same reason.
 */

import type { InputNorm } from "../../shared/features/input-norm";
import {
  TFLM_MICRO_FIELDS,
  type TflmMicroConfig,
  tflmMicroConfigProblem,
} from "../../shared/features/tflm-micro/config";
import { TflmMicroFrontEnd } from "../../shared/features/tflm-micro/frontend";
import type { QuantizeParams } from "../../shared/kernels/types";
import { ModelFormatError } from "../../shared/model-format/errors";
import type { KeyValue } from "../../shared/model-format/types";
import { readFields } from "./key-values";
import type { FrameWindow } from "./stream/frame-window";

/** The tflm-micro config (front-end kind 2) in `kvs`; throws ModelFormatError naming the defect. */
export function tflmMicroConfigFromKeyValues(kvs: KeyValue[]): TflmMicroConfig {
  const cfg: { [k: string]: number | string } = { kind: "tflm-micro" };
  readFields(kvs, TFLM_MICRO_FIELDS, cfg);
  const tflm = cfg as unknown as TflmMicroConfig;
  const problem = tflmMicroConfigProblem(tflm);
  if (problem !== "") throw new ModelFormatError(`front-end config (tflm-micro): ${problem}`, -1);
  return tflm;
}

/**
 * The tflm-micro front end's frames are the model's int8 input values as they are (TFLM feeds
 * them to the model unscaled): into a quantized ring in its element type (a native copy moves
 * only like to like), into a float one as reals, (q - zp) * scale of the leading quantize.
 */
export class Int8FrameInput {
  constructor(
    private readonly scale: number,
    private readonly zero: number,
    /** The ring's element type for one frame (a quantized ring), or null (a float ring). */
    private readonly qFrame: number[] | null,
  ) {}

  push(frame: number[], window: FrameWindow): void {
    const q = this.qFrame;
    if (q !== null) {
      for (let i = 0; i < frame.length; i++) q[i] = frame[i];
      window.push(q);
    } else {
      for (let i = 0; i < frame.length; i++) frame[i] = (frame[i] - this.zero) * this.scale;
      window.push(frame);
    }
  }
}

/** The detector's Int8FrameInput; ModelFormatError where the model cannot take int8 frames. */
export function int8FrameInput(
  lead: QuantizeParams | null,
  norm: InputNorm | null,
  qFrame: number[] | null,
): Int8FrameInput {
  if (lead === null)
    throw new ModelFormatError(
      "the tflm-micro front end's int8 features need a quantized input",
      -1,
    );
  if (norm !== null)
    throw new ModelFormatError(
      "input normalization does not apply to int8 (tflm-micro) features",
      -1,
    );
  return new Int8FrameInput(lead.scale, lead.zeroPoint, qFrame);
}

export function newTflmMicroFrontEnd(
  config: TflmMicroConfig,
  scratch: (n: number, wide: boolean) => number[],
): TflmMicroFrontEnd {
  return new TflmMicroFrontEnd(config, scratch);
}
