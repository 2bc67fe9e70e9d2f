/**
 * A res8-narrow-sized int8 model for the stream benchmark (Tang & Lin's res8-narrow shape,
 * seed 000): 101 x 40 MFCC input, 3x3 conv to 19 channels, 4x4 average pool, three residual
 * blocks of two 3x3 convs (19 -> 19) with adds, global average pool, dense to 12 labels,
 * softmax: ~5.6M int8 MACs per inference. Random weights: only its cost matters here.
 */

import { frontEndToKeyValues } from "../../device/runtime/frontend-config-write";
import { type Act, GraphBuilder } from "../../host/compress/graph-builder";
import {
  activationClamp,
  addMultipliers,
  decomposeMultiplier,
  softmaxLut,
} from "../../host/compress/quant-params";
import { syntheticStreamModel } from "../../host/compress/synthetic-models";
import { Rng } from "../../host/data/rng";
import { MFCC_30_10_40 } from "../../shared/features/config";
import { type DeviceModel, PAD_VALID } from "../../shared/model-format/types";

const LABELS = [
  "_silence_",
  "_unknown_",
  "yes",
  "no",
  "up",
  "down",
  "left",
  "right",
  "on",
  "off",
  "stop",
  "go",
];

function requant(rng: Rng, outC: number, taps: number, relu: boolean) {
  const mult: number[] = [];
  const shift: number[] = [];
  for (let c = 0; c < outC; c++) {
    const q = decomposeMultiplier(30 / (Math.sqrt(taps) * 40 * 60));
    mult.push(q.mult);
    shift.push(q.shift);
  }
  const outZp = relu ? -128 : 0;
  const bias = Array.from({ length: outC }, () => rng.int(2001) - 1000);
  return {
    bias,
    mult,
    shift,
    outScale: 0.05,
    outZp,
    ...activationClamp(relu ? "relu" : "none", 0.05, outZp),
  };
}

function conv(g: GraphBuilder, rng: Rng, x: Act, inC: number, outC: number, relu: boolean): Act {
  return g.conv2d(x, {
    weights: Array.from({ length: outC * 9 * inC }, () => rng.int(255) - 127),
    wShape: [outC, 3, 3, inC],
    ...requant(rng, outC, 9 * inC, relu),
  });
}

export function res8NarrowModel(): DeviceModel {
  const rng = new Rng(8);
  const g = new GraphBuilder();
  const x = g.quantize(g.input([101, 40, 1]), 0.1, 0);
  let h = g.pool(conv(g, rng, x, 1, 19, true), false, 4, 4, PAD_VALID);
  for (let b = 0; b < 3; b++) {
    const y = conv(g, rng, conv(g, rng, h, 19, 19, true), 19, 19, false);
    h = g.add(h, y, addMultipliers(h.scale, y.scale, 0.05), 0.05, -128);
  }
  const gap = g.globalAvgPool(h);
  const logits = g.dense(gap, {
    weights: Array.from({ length: LABELS.length * 19 }, () => rng.int(255) - 127),
    outN: LABELS.length,
    ...requant(rng, LABELS.length, 19, false),
  });
  return g.build(
    {
      modelId: "bench-res8-narrow",
      modelVersion: 1,
      labels: LABELS,
      frontEnd: frontEndToKeyValues(MFCC_30_10_40),
      threshold: 0.9,
      smoothingWindow: 3,
      // One inference per 100 ms (10 frames of 10 ms).
      meta: [{ key: "strideFrames", value: 10 }],
    },
    g.softmax(logits, softmaxLut(logits.scale)),
  );
}

/**
 * res8-stream as the zoo builds it (host/models/res8-stream.ts): the same 101 x 40 input, 19
 * channels and three residual blocks as above, with convs VALID along time, a 5 x 3 pool (its
 * time stride divides the 10-frame inference stride; 13 frequency columns as the zoo's
 * res8-narrow, 3 more than this file's 4 x 4 pool) and 5 x 1 average-pool shortcuts, so the
 * runtime computes each stride's new rows only (device/runtime/incremental.ts). As an export
 * writes it (exportLike): batch norms as 1 x 1 depthwise convs and an input normalization, which
 * the device applies to every frame.
 */
export function res8StreamModel(): DeviceModel {
  return syntheticStreamModel({
    exportLike: true,
    seed: 8,
    frames: 101,
    coeffs: 40,
    channels: 19,
    blocks: 3,
    pool: [5, 3],
    strideFrames: 10,
    modelId: "bench-res8-stream",
    labels: LABELS,
    frontEnd: frontEndToKeyValues(MFCC_30_10_40),
  });
}
