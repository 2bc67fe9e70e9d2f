import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { planRows } from "../../device/runtime/incremental";
import { calibrate, exportModel } from "../../host/compress/export";
import { IntEvaluator } from "../../host/compress/int-eval";
import { applyPrecision, type Precision } from "../../host/compress/precision";
import { calibrateInputRanges } from "../../host/compress/ptq";
import { buildModel, type ModelName } from "../../host/models";
import { decodeModel } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import { prepareModel } from "../../shared/model-format/prepare";
import {
  DT_INT16,
  OP_AVG_POOL2D,
  OP_BCONV2D,
  OP_BINARIZE,
  OP_CONV2D,
  OP_DEPTHWISE_CONV2D,
  OP_GLOBAL_MAX_POOL,
  PAD_VALID,
  PAD_VALID_H_SAME_W,
} from "../../shared/model-format/types";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** Deterministic kernels (tfjs draws initializers from Math.random): He-normal with a seed. */
function reseed(m: tf.LayersModel, seed: number): void {
  let s = seed;
  for (const w of m.weights) {
    if (!/kernel$/.test(w.originalName)) continue;
    const shape = w.shape as number[];
    const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    w.write(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), "float32", ++s));
  }
}

/** Gives every BN non-trivial statistics and affine parameters (as after training). */
function randomizeBn(m: tf.LayersModel, seed: number): void {
  let s = seed;
  for (const l of m.layers) {
    if (l.getClassName() !== "BatchNormalization") continue;
    const n = l.getWeights()[0].shape[0];
    s++;
    l.setWeights([
      tf.randomUniform([n], 0.5, 1.5, "float32", s),
      tf.randomUniform([n], -0.3, 0.3, "float32", s + 100),
      tf.randomUniform([n], -0.3, 0.3, "float32", s + 200),
      tf.randomUniform([n], 0.5, 2, "float32", s + 300),
    ]);
  }
}

function compare(model: tf.LayersModel, shape: number[], n = 48) {
  const calib = tf.randomNormal([64, ...shape], 0, 1, "float32", 11);
  const ranges = calibrate(model, calib);
  const dm = exportModel(model, { labels: ["a", "b", "c"], ranges, modelId: "t" });
  // The file round-trips through the real encoder/decoder before evaluation.
  const decoded = decodeModel(encodeModel(dm));
  const ev = new IntEvaluator(decoded);
  const x = tf.randomNormal([n, ...shape], 0, 1, "float32", 12);
  const probs = tf.softmax(model.predict(x) as tf.Tensor).arraySync() as number[][];
  const xs = x.arraySync() as number[][][][];
  let agree = 0;
  let diffSum = 0;
  for (let i = 0; i < n; i++) {
    const s = ev.run(xs[i].flat(2)).scores;
    const a = s.indexOf(Math.max(...s));
    const b = probs[i].indexOf(Math.max(...probs[i]));
    if (a === b) agree++;
    for (let j = 0; j < 3; j++) diffSum += Math.abs(s[j] - probs[i][j]);
  }
  return { agree: agree / n, meanDiff: diffSum / (3 * n), model: dm };
}

/** A small res8-stream on a 20-frame window. */
const STREAM = { filters: 6, blocks: 2, pool: [2, 2], inputShape: [20, 10, 1] } as const;

/** A 4-filter res8-stream with `extra` options, seeded (and its BNs trained-looking when `bn`), exported. */
function exportedStream(extra: object, seed: number, bn: boolean) {
  const shape = [20, 10, 1];
  const m = buildModel("res8-stream", {
    ...STREAM,
    filters: 4,
    numClasses: 3,
    ...extra,
  } as never);
  reseed(m, seed);
  if (bn) randomizeBn(m, seed);
  return { dm: compare(m, shape, 8).model, shape };
}

describe("exporter: exported integers vs the float model", () => {
  it.each([
    ["ds-cnn-s", { filters: 8, blocks: 2 }, "float"],
    ["res8-narrow", { filters: 6, blocks: 2 }, "float"],
    ["res8-stream", STREAM, "float"],
    ["res8-stream", { ...STREAM, skip: "crop" }, "float"],
    ["res8-stream", { ...STREAM, skip: "crop" }, "int8"],
    ["res8-stream", { ...STREAM, head: "time-max" }, "int8"],
    ["res8-stream", { ...STREAM, head: "time-dense" }, "int8"],
    ["tinyconv", { filters: 4 }, "float"],
    ["ffn", { widths: [12, 10], swapBnAct: true, inputShape: [21, 10, 1] }, "float"],
    ["ds-cnn-s", { filters: 8, blocks: 1 }, "int8"],
    ["ds-cnn-s", { filters: 8, blocks: 1 }, "int4"],
  ] as const)("%s %j %s: same decisions, mean probability error < 3 points", (name, extra, precision) => {
    const shape = ("inputShape" in extra ? extra.inputShape : [16, 10, 1]) as number[];
    let m = buildModel(name as ModelName, { inputShape: shape, numClasses: 3, ...extra } as never);
    reseed(m, 1);
    randomizeBn(m, 1);
    if (precision !== "float") {
      m = applyPrecision(m, precision as Precision);
      calibrateInputRanges(m, tf.randomNormal([64, ...shape], 0, 1, "float32", 11));
    }
    const r = compare(m, shape);
    expect(r.agree).toBeGreaterThanOrEqual(0.9);
    expect(r.meanDiff).toBeLessThan(0.03);
  });

  it("res8-stream: frequency-only padding + VALID conv export as padding 2, and the model streams", () => {
    const { dm } = exportedStream({}, 3, false);
    const convs = dm.ops.filter((o) => o.code === OP_CONV2D);
    expect(convs).toHaveLength(5);
    for (const c of convs) expect(c.attrs[2]).toBe(PAD_VALID_H_SAME_W);
    expect(planRows(dm, prepareModel(dm), 2).problem).toBe("");
    expect(planRows(dm, prepareModel(dm), 3).problem).toMatch(/does not divide/);
  });

  it("res8-stream's crop shortcut exports as an exact identity depthwise conv, and streams", () => {
    const { dm, shape } = exportedStream({ skip: "crop" }, 5, true);
    const crops = dm.ops.filter((o) => o.code === OP_DEPTHWISE_CONV2D && o.attrs[2] === PAD_VALID);
    expect(crops).toHaveLength(2);
    expect(dm.ops.some((o) => o.code === OP_AVG_POOL2D && o.attrs[0] === 5)).toBe(false);
    for (const op of crops) {
      const [x, w, , mult, shift] = op.inputs.map((i) => dm.tensors[i]);
      const y = dm.tensors[op.outputs[0]];
      expect(w.shape).toEqual([5, 1, 4]);
      expect(w.data).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
      expect(mult.data?.map((v, c) => v * 2 ** -(shift.data as number[])[c])).toEqual([1, 1, 1, 1]);
      expect([y.scales, y.zeroPoint]).toEqual([x.scales, x.zeroPoint]);
      expect(y.shape).toEqual([x.shape[0] - 4, ...x.shape.slice(1)]);
    }
    // The integer graph keeps each cropped row bit for bit.
    const ev = new IntEvaluator(decodeModel(encodeModel(dm)));
    const input = (
      tf.randomNormal([1, ...shape], 0, 1, "float32", 21).arraySync() as number[][][][]
    )[0];
    const layers = ev.run(input.flat(2), true).layers;
    const acts = new Map(layers.map((l) => [l.tensor, l.values]));
    for (const op of crops) {
      const x = acts.get(op.inputs[0]) as number[];
      const y = acts.get(op.outputs[0]) as number[];
      const row = dm.tensors[op.inputs[0]].shape.slice(1).reduce((a, b) => a * b, 1);
      expect(y).toEqual(x.slice(2 * row, x.length - 2 * row));
    }
    expect(planRows(dm, prepareModel(dm), 2).problem).toBe("");
  });

  it.each(["time-max", "time-dense"] as const)("res8-stream's %s head streams", (head) => {
    const { dm } = exportedStream({ head }, 7, true);
    // The row pool covers all 5 frequency columns, one row at a time.
    expect(
      dm.ops.some((o) => o.code === OP_AVG_POOL2D && o.attrs[0] === 1 && o.attrs[1] === 5),
    ).toBe(true);
    expect(dm.ops.some((o) => o.code === OP_GLOBAL_MAX_POOL)).toBe(head === "time-max");
    expect(planRows(dm, prepareModel(dm), 2).problem).toBe("");
  });

  it("refuses a Cropping2D along frequency, naming the layer", () => {
    const input = tf.input({ shape: [8, 6, 1] });
    const c = tf.layers
      .conv2d({ filters: 2, kernelSize: 1, name: "c" })
      .apply(input) as tf.SymbolicTensor;
    const crop = tf.layers
      .cropping2D({
        name: "cropf",
        cropping: [
          [0, 0],
          [1, 1],
        ],
      })
      .apply(c) as tf.SymbolicTensor;
    const out = tf.layers
      .dense({ units: 3, name: "d" })
      .apply(tf.layers.flatten().apply(crop) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: out });
    const ranges = calibrate(m, tf.randomNormal([8, 8, 6, 1], 0, 1, "float32", 3));
    expect(() => exportModel(m, { labels: ["a", "b", "c"], ranges })).toThrow(
      /cropf \(Cropping2D.*only cropping along time/,
    );
  });

  it("binary res8-narrow folds ReLU + BN + sign into popcount thresholds", () => {
    const shape = [16, 12, 1];
    const m = applyPrecision(
      buildModel("res8-narrow", {
        inputShape: shape as never,
        numClasses: 3,
        filters: 32,
        blocks: 1,
      }),
      "binary",
    );
    reseed(m, 3);
    randomizeBn(m, 3);
    calibrateInputRanges(m, tf.randomNormal([64, ...shape], 0, 1, "float32", 11));
    const r = compare(m, shape);
    const codes = r.model.ops.map((o) => o.code);
    expect(codes).toContain(OP_BCONV2D);
    expect(r.agree).toBeGreaterThanOrEqual(0.7);
  });

  it("binary res8-bin: int8 first layer, binarized adds, integer-output binary convs", () => {
    const shape = [16, 12, 1];
    const m = applyPrecision(
      buildModel("res8-bin", { inputShape: shape as never, numClasses: 3, filters: 8, blocks: 1 }),
      "binary",
    );
    reseed(m, 5);
    randomizeBn(m, 5);
    calibrateInputRanges(m, tf.randomNormal([64, ...shape], 0, 1, "float32", 11));
    const r = compare(m, shape);
    expect(r.model.ops.map((o) => o.code)).toContain(OP_BINARIZE);
    // Integer tensors between binary layers are int16 (their sign decides the next bits).
    expect(r.model.tensors.some((t) => t.dtype === DT_INT16 && t.data === null)).toBe(true);
    // Sign flips near zero make binary nets chaotic; chance is 1/3.
    expect(r.agree).toBeGreaterThanOrEqual(0.6);
  });

  it("rectangular average pooling and global max pooling export through their handlers", () => {
    const shape = [16, 10, 1];
    const input = tf.input({ shape });
    const c = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: "same", activation: "relu" });
    const p = tf.layers.averagePooling2d({ poolSize: [2, 1], strides: [2, 1] });
    const g = tf.layers.globalMaxPooling2d({});
    const d = tf.layers.dense({ units: 3 });
    const out = d.apply(g.apply(p.apply(c.apply(input)))) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: out });
    reseed(m, 7);
    const r = compare(m, shape);
    const pool = r.model.ops.find((o) => o.code === OP_AVG_POOL2D);
    expect(pool?.attrs.slice(0, 4)).toEqual([2, 1, 2, 1]);
    expect(r.model.ops.map((o) => o.code)).toContain(OP_GLOBAL_MAX_POOL);
    expect(r.agree).toBeGreaterThanOrEqual(0.9);
    expect(r.meanDiff).toBeLessThan(0.03);
  });
});
