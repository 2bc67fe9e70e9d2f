/**
 * Small hand-built DeviceModels with seeded random weights, for tests and engine parity before
 * real exports exist: an int8 CNN (conv, depthwise, 1x1 conv, add, avg/max/global pooling,
 * dense, softmax), the same at 2/4/5-bit weights, and binary nets (binarize, XNOR convs and
 * dense with folded thresholds, an integer head). Real multipliers are chosen so activations
 * spread over the int8 range instead of saturating.
 */

import type { DeviceModel, KeyValue } from "../../shared/model-format/types";
import { DT_INT16, PAD_SAME, PAD_VALID, PAD_VALID_H_SAME_W } from "../../shared/model-format/types";
import { Rng } from "../data/rng";
import { type Act, GraphBuilder, type Requant } from "./graph-builder";
import { activationClamp, addMultipliers, decomposeMultiplier, softmaxLut } from "./quant-params";

export const SYNTHETIC_LABELS = ["_silence_", "_unknown_", "yes", "no"];

/** MFCC_30_10_10-like front end (numeric fields; kind 0 = mfcc). */
export const SYNTHETIC_FRONT_END: KeyValue[] = [
  { key: "kind", value: 0 },
  { key: "sampleRate", value: 16000 },
  { key: "windowMs", value: 30 },
  { key: "hopMs", value: 10 },
  { key: "fftSize", value: 512 },
  { key: "nMels", value: 40 },
  { key: "fMin", value: 20 },
  { key: "fMax", value: 4000 },
  { key: "nCoeffs", value: 10 },
  { key: "logFloor", value: 1e-6 },
];

export interface SyntheticOptions {
  seed?: number;
  /** Input frames x coefficients (default 12 x 10). */
  frames?: number;
  coeffs?: number;
  /** Stored weight width for int8-kernel layers: 8, 5, 4 or 2 (default 8). */
  weightBits?: number;
}

function signedInts(rng: Rng, n: number, max: number): number[] {
  return Array.from({ length: n }, () => rng.int(2 * max + 1) - max);
}

/** Requantization for `outC` channels over `taps` taps of ±wMax weights: output std ~ 30. */
function requant(
  rng: Rng,
  outC: number,
  taps: number,
  wMax: number,
  act: "none" | "relu",
): Requant {
  const outScale = 0.05;
  const outZp = act === "relu" ? -128 : 0;
  const accStd = Math.sqrt(taps) * 40 * (wMax / Math.sqrt(3));
  const mult: number[] = [];
  const shift: number[] = [];
  for (let c = 0; c < outC; c++) {
    const q = decomposeMultiplier((30 / accStd) * rng.uniform(0.8, 1.25));
    mult.push(q.mult);
    shift.push(q.shift);
  }
  const bias = signedInts(rng, outC, Math.round(accStd / 2));
  const clamp = activationClamp(act, outScale, outZp);
  return { bias, mult, shift, outScale, outZp, ...clamp };
}

function info(id: string, meta: KeyValue[] = []) {
  return {
    modelId: id,
    modelVersion: 1,
    labels: SYNTHETIC_LABELS,
    frontEnd: SYNTHETIC_FRONT_END,
    threshold: 0.6,
    smoothingWindow: 3,
    meta,
  };
}

/** Input -> int8 quantization shared by all synthetic models. */
function front(g: GraphBuilder, o: SyntheticOptions): Act {
  const x = g.input([o.frames ?? 12, o.coeffs ?? 10, 1]);
  return g.quantize(x, 0.1, 0);
}

/** Dense logits + integer softmax head. */
function head(g: GraphBuilder, rng: Rng, x: Act, wBits: number): Act {
  const wMax = 2 ** (wBits - 1) - 1;
  const n = x.shape.reduce((a, b) => a * b, 1);
  const logits = g.dense(x, {
    weights: signedInts(rng, SYNTHETIC_LABELS.length * n, wMax),
    outN: SYNTHETIC_LABELS.length,
    wBits,
    ...requant(rng, SYNTHETIC_LABELS.length, n, wMax, "none"),
  });
  return g.softmax(logits, softmaxLut(logits.scale));
}

/** The int8 CNN; with weightBits < 8 its weights are stored (and range-limited) at that width. */
export function syntheticInt8Model(o: SyntheticOptions = {}): DeviceModel {
  const rng = new Rng(o.seed ?? 1);
  const bits = o.weightBits ?? 8;
  const wMax = 2 ** (bits - 1) - 1;
  const g = new GraphBuilder();
  const q = front(g, o);
  const c1 = g.conv2d(q, {
    weights: signedInts(rng, 8 * 9, wMax),
    wShape: [8, 3, 3, 1],
    wBits: bits,
    ...requant(rng, 8, 9, wMax, "relu"),
  });
  const dw = g.conv2d(
    c1,
    {
      weights: signedInts(rng, 9 * 8, wMax),
      wShape: [3, 3, 8],
      wBits: bits,
      strideH: 2,
      strideW: 2,
      ...requant(rng, 8, 9, wMax, "relu"),
    },
    true,
  );
  const pw = g.conv2d(dw, {
    weights: signedInts(rng, 8 * 8, wMax),
    wShape: [8, 1, 1, 8],
    wBits: bits,
    ...requant(rng, 8, 8, wMax, "none"),
  });
  const sum = g.add(dw, pw, addMultipliers(dw.scale, pw.scale, 0.08), 0.08, 0);
  const ap = g.pool(sum, false, 2, 2, PAD_VALID);
  const mp = g.pool(ap, true, 2, 1, PAD_SAME);
  const gap = g.globalAvgPool(mp);
  return g.build(
    info(`synthetic-int${bits}`, [{ key: "weightBits", value: bits }]),
    head(g, rng, gap, bits),
  );
}

/**
 * The res8 stem shape at test size: conv 3x3 (same) -> non-overlapping 4x3 average pool (the
 * window's last frames unused, as res8's 98 -> 24 rows), conv 3x3 with a stride-2 row step ->
 * 2x1 max pool, global average pool, dense, softmax. Both conv + pool pairs run band by band
 * in the runtime's streaming mode (device/runtime/conv-pool-band.ts).
 */
export function syntheticConvPoolModel(o: SyntheticOptions = {}): DeviceModel {
  const rng = new Rng(o.seed ?? 1);
  const g = new GraphBuilder();
  const q = front(g, { ...o, frames: o.frames ?? 14 });
  const c1 = g.conv2d(q, {
    weights: signedInts(rng, 6 * 9, 127),
    wShape: [6, 3, 3, 1],
    ...requant(rng, 6, 9, 127, "relu"),
  });
  const ap = g.pool(c1, false, [4, 3], [4, 3], PAD_VALID);
  const c2 = g.conv2d(ap, {
    weights: signedInts(rng, 6 * 9 * 6, 127),
    wShape: [6, 3, 3, 6],
    strideH: 2,
    ...requant(rng, 6, 54, 127, "relu"),
  });
  const mp = g.pool(c2, true, [1, 2], [1, 2], PAD_VALID);
  const gap = g.globalAvgPool(mp);
  return g.build(info("synthetic-conv-pool"), head(g, rng, gap, 8));
}

export interface StreamModelOptions extends SyntheticOptions {
  /** Feature maps per conv (default 6). */
  channels?: number;
  /** Residual blocks (default 2). */
  blocks?: number;
  /**
   * `res`: res8-stream's residual blocks (default). `ds`: ds-stream's depthwise-separable
   * blocks, a 3 x 3 depthwise conv (one channel per channel, VALID along time) then a 1 x 1
   * conv, no shortcut. Without ReLU: random weights behind ReLUs leave scores that hardly move,
   * and the kernels take the same paths either way.
   */
  blockKind?: "res" | "ds";
  /** Average pool window = stride, [time, frequency] (default [2, 2]). */
  pool?: [number, number];
  /** Inference stride in frames (model metadata; default 4). */
  strideFrames?: number;
  /** Output the dense logits instead of softmax probabilities (a stricter parity check). */
  logits?: boolean;
  modelId?: string;
  labels?: string[];
  frontEnd?: KeyValue[];
  /**
   * As the exporter writes a trained res8-stream: a batch norm after each block's first conv and
   * after each add (a 1 x 1 depthwise conv), and an input normalization in the metadata
   * (`inputNorm.*`), so a device normalizes every frame (default false).
   */
  exportLike?: boolean;
}

/** `inputNorm.mean.<c>` / `inputNorm.std.<c>` as an export writes them (MFCC-like ranges). */
function inputNormMeta(rng: Rng, coeffs: number): KeyValue[] {
  const out: KeyValue[] = [];
  for (let c = 0; c < coeffs; c++)
    out.push({ key: `inputNorm.mean.${c}`, value: rng.int(41) - 20 });
  for (let c = 0; c < coeffs; c++)
    out.push({ key: `inputNorm.std.${c}`, value: 2 + rng.next() * 20 });
  return out;
}

/**
 * res8-stream's shape (host/models/res8.ts, `res8-stream`), or with `blockKind: "ds"` ds-stream's
 * (host/models/ds-stream.ts), at any size: convs that are VALID
 * along time and SAME along frequency, a non-overlapping average pool, residual blocks whose
 * shortcut is a 5 x 1 average pool (stride 1, VALID: it drops the two rows each side that the
 * block's two 3x3 convs drop), global average pool, dense (softmax). Every output row depends on a
 * fixed run of input rows, so it runs stride by stride (device/runtime/incremental.ts).
 */
export function syntheticStreamModel(o: StreamModelOptions = {}): DeviceModel {
  const rng = new Rng(o.seed ?? 1);
  const bits = o.weightBits ?? 8;
  const wMax = 2 ** (bits - 1) - 1;
  const ch = o.channels ?? 6;
  const pool = o.pool ?? [2, 2];
  const g = new GraphBuilder();
  const q = front(g, { ...o, frames: o.frames ?? 23 });
  const conv = (x: Act, inC: number, act: "none" | "relu"): Act =>
    g.conv2d(x, {
      weights: signedInts(rng, ch * 9 * inC, wMax),
      wShape: [ch, 3, 3, inC],
      wBits: bits,
      padding: PAD_VALID_H_SAME_W,
      ...requant(rng, ch, 9 * inC, wMax, act),
    });
  const bn = (x: Act): Act =>
    o.exportLike !== true
      ? x
      : g.conv2d(
          x,
          {
            weights: signedInts(rng, ch, wMax),
            wShape: [1, 1, ch],
            wBits: bits,
            ...requant(rng, ch, 1, wMax, "none"),
          },
          true,
        );
  const dsBlock = (x: Act): Act => {
    const dw = g.conv2d(
      x,
      {
        weights: signedInts(rng, 9 * ch, wMax),
        wShape: [3, 3, ch],
        wBits: bits,
        padding: PAD_VALID_H_SAME_W,
        ...requant(rng, ch, 9, wMax, "none"),
      },
      true,
    );
    return g.conv2d(dw, {
      weights: signedInts(rng, ch * ch, wMax),
      wShape: [ch, 1, 1, ch],
      wBits: bits,
      padding: PAD_VALID,
      ...requant(rng, ch, ch, wMax, "none"),
    });
  };
  let h = g.pool(conv(q, 1, "relu"), false, pool, pool, PAD_VALID);
  for (let b = 0; b < (o.blocks ?? 2); b++) {
    if (o.blockKind === "ds") {
      h = dsBlock(h);
      continue;
    }
    const y = conv(bn(conv(h, ch, "relu")), ch, "none");
    const skip = g.pool(h, false, [5, 1], [1, 1], PAD_VALID);
    h = bn(g.add(skip, y, addMultipliers(skip.scale, y.scale, 0.08), 0.08, 0));
  }
  const gap = g.globalAvgPool(h);
  const labels = o.labels ?? SYNTHETIC_LABELS;
  const logits = g.dense(gap, {
    weights: signedInts(rng, labels.length * ch, wMax),
    outN: labels.length,
    wBits: bits,
    ...requant(rng, labels.length, ch, wMax, "none"),
  });
  return g.build(
    {
      ...info(o.modelId ?? `synthetic-stream-int${bits}`, [
        { key: "strideFrames", value: o.strideFrames ?? 4 },
        ...(o.exportLike === true ? inputNormMeta(rng, o.coeffs ?? 10) : []),
      ]),
      labels,
      frontEnd: o.frontEnd ?? SYNTHETIC_FRONT_END,
    },
    o.logits === true ? logits : g.softmax(logits, softmaxLut(logits.scale)),
  );
}

/** A 4-bit-weight variant of the int8 CNN (weights in [-7, 7], stored 2 per byte). */
export function syntheticInt4Model(o: SyntheticOptions = {}): DeviceModel {
  return syntheticInt8Model({ ...o, weightBits: 4 });
}

function thresholds(rng: Rng, n: number, spread: number, zp = 0) {
  return {
    thr: Array.from({ length: n }, () => zp + rng.int(2 * spread + 1) - spread),
    dir: Array.from({ length: n }, () => (rng.next() < 0.8 ? 1 : -1)),
  };
}

function signs(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1));
}

/**
 * Binary net: int8 conv -> binarize -> XNOR conv (stride 2) -> XNOR conv, then either
 * head "dense": binary dense (bits) -> binary dense (int8 logits) -> softmax, or
 * head "conv": binary conv (int8) -> global average pool -> int8 dense -> softmax.
 */
export function syntheticBinaryModel(
  o: SyntheticOptions & {
    head?: "dense" | "conv";
    /** The int8 stem's channels (default 8): its full-resolution output sizes the arena. */
    stemChannels?: number;
  } = {},
): DeviceModel {
  const rng = new Rng(o.seed ?? 2);
  const g = new GraphBuilder();
  const q = front(g, o);
  const stem = o.stemChannels ?? 8;
  const c1 = g.conv2d(q, {
    weights: signedInts(rng, stem * 9, 127),
    wShape: [stem, 3, 3, 1],
    ...requant(rng, stem, 9, 127, "none"),
  });
  const t0 = thresholds(rng, stem, 10, c1.zeroPoint);
  const b0 = g.binarize(c1, t0.thr, t0.dir);
  const b1 = g.binaryConv2d(
    b0,
    signs(rng, 32 * 9 * stem),
    [32, 3, 3, stem],
    thresholds(rng, 32, 6),
    2,
    2,
  );
  const b2 = g.binaryConv2d(b1, signs(rng, 32 * 9 * 32), [32, 3, 3, 32], thresholds(rng, 32, 12));
  const n = SYNTHETIC_LABELS.length;
  if ((o.head ?? "dense") === "dense") {
    const inN = b2.shape.reduce((a, b) => a * b, 1);
    const d1 = g.binaryDense(b2, signs(rng, 40 * inN), 40, thresholds(rng, 40, 20));
    const logits = g.binaryDense(d1, signs(rng, n * 40), n, {
      requant: requant(rng, n, 40, 1, "none"),
    });
    return g.build(info("synthetic-binary-dense"), g.softmax(logits, softmaxLut(logits.scale)));
  }
  const bi = g.binaryConv2d(b2, signs(rng, 16 * 9 * 32), [16, 3, 3, 32], {
    requant: requant(rng, 16, 9 * 32, 1, "relu"),
  });
  const gap = g.globalAvgPool(bi);
  return g.build(info("synthetic-binary-conv"), head(g, rng, gap, 8));
}

/**
 * Seed 002's streaming FFN shape in miniature: stacked frames quantized to int16, dense layers
 * with clipped ReLU on int16 activations and sub-8-bit weights (default 5), int8 logits, softmax.
 */
export function syntheticFfnModel(o: SyntheticOptions & { hidden?: number } = {}): DeviceModel {
  const rng = new Rng(o.seed ?? 3);
  const bits = o.weightBits ?? 5;
  const wMax = 2 ** (bits - 1) - 1;
  const hidden = o.hidden ?? 24;
  const g = new GraphBuilder();
  const x = g.input([o.frames ?? 9, o.coeffs ?? 10]);
  let h = g.quantize(x, 1 / 2048, 0, DT_INT16);
  for (let layer = 0; layer < 3; layer++) {
    const inN = h.shape.reduce((a, b) => a * b, 1);
    // Output std ~ 6000 of the int16 range; clipped ReLU at 6.0 with scale 1/2048 -> 12288.
    const accStd = Math.sqrt(inN) * 8000 * (wMax / Math.sqrt(3));
    const mult: number[] = [];
    const shift: number[] = [];
    for (let c = 0; c < hidden; c++) {
      const q = decomposeMultiplier((6000 / accStd) * rng.uniform(0.8, 1.25));
      mult.push(q.mult);
      shift.push(q.shift);
    }
    h = g.dense(h, {
      weights: signedInts(rng, hidden * inN, wMax),
      outN: hidden,
      wBits: bits,
      bias: signedInts(rng, hidden, Math.round(accStd / 2)),
      mult,
      shift,
      outScale: 1 / 2048,
      outZp: 0,
      outDtype: DT_INT16,
      ...activationClamp({ clip: 6 }, 1 / 2048, 0, DT_INT16),
    });
  }
  const n = SYNTHETIC_LABELS.length;
  const inN = h.shape[0];
  const accStd = Math.sqrt(inN) * 6000 * (wMax / Math.sqrt(3));
  const mult: number[] = [];
  const shift: number[] = [];
  for (let c = 0; c < n; c++) {
    const q = decomposeMultiplier(30 / accStd);
    mult.push(q.mult);
    shift.push(q.shift);
  }
  const logits = g.dense(h, {
    weights: signedInts(rng, n * inN, wMax),
    outN: n,
    wBits: bits,
    bias: signedInts(rng, n, Math.round(accStd / 4)),
    mult,
    shift,
    outScale: 0.05,
    outZp: 0,
    actMin: -128,
    actMax: 127,
  });
  return g.build(
    info(`synthetic-ffn-int${bits}`, [{ key: "weightBits", value: bits }]),
    g.softmax(logits, softmaxLut(logits.scale)),
  );
}
