/**
 * The host integer evaluator against a straightforward reference interpreter built only from
 * float-reference.ts: every layer of every synthetic model (int8, 2/4/5-bit, binary) must match
 * bit for bit on random feature windows, through an encode/decode round trip.
 */
import { describe, expect, it } from "vitest";
import { IntEvaluator } from "../../host/compress/int-eval";
import {
  syntheticBinaryModel,
  syntheticFfnModel,
  syntheticInt8Model,
} from "../../host/compress/synthetic-models";
import { Rng } from "../../host/data/rng";
import { decodeModel } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";
import type { DeviceModel } from "../../shared/model-format/types";
import * as T from "../../shared/model-format/types";
import {
  bigRescale,
  refBinaryDots,
  refConv,
  refPool,
  signsOf,
  type Window,
} from "./float-reference";

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const bit = (x: number, thr: number, dir: number) => ((dir > 0 ? x >= thr : x <= thr) ? 1 : -1);

/** Runs the model with reference ops; binary activations are held as ±1 arrays. */
function referenceRun(m: DeviceModel, features: number[]): Map<number, number[]> {
  const v = new Map<number, number[]>();
  const data = (t: number) => m.tensors[t].data as number[];
  const get = (t: number) => {
    const tensor = m.tensors[t];
    if (tensor.data === null) return v.get(t) as number[];
    if (tensor.dtype === T.DT_BIN) {
      const last = tensor.shape[tensor.shape.length - 1];
      return signsOf(tensor.data, tensor.data.length / Math.ceil(last / 32), last);
    }
    return tensor.data;
  };
  v.set(m.input, features);
  for (const op of m.ops) {
    const [a, b] = op.inputs;
    const x = get(a);
    const xs = m.tensors[a].shape;
    const ys = m.tensors[op.outputs[0]].shape;
    const at = op.attrs;
    const win = (kH: number, kW: number, stride: number, pad: number): Window => ({
      inH: xs[0],
      inW: xs[1],
      inC: xs[2],
      kH,
      kW,
      stride,
      same: pad === T.PAD_SAME,
    });
    let y: number[];
    switch (op.code) {
      case T.OP_QUANTIZE: {
        const t = m.tensors[op.outputs[0]];
        const [lo, hi] = t.dtype === T.DT_INT16 ? [-32768, 32767] : [-128, 127];
        y = x.map((f) =>
          clamp(
            Math.sign(f / t.scales[0]) * Math.floor(Math.abs(f / t.scales[0]) + 0.5) + t.zeroPoint,
            lo,
            hi,
          ),
        );
        break;
      }
      case T.OP_CONV2D:
      case T.OP_DEPTHWISE_CONV2D: {
        const dw = op.code === T.OP_DEPTHWISE_CONV2D;
        const ws = m.tensors[b].shape;
        const w = dw ? win(ws[0], ws[1], at[0], at[2]) : win(ws[1], ws[2], at[0], at[2]);
        const q = { inZp: at[3], outZp: at[4], actMin: at[5], actMax: at[6] };
        y = refConv(
          x,
          data(b),
          data(op.inputs[2]),
          data(op.inputs[3]),
          data(op.inputs[4]),
          w,
          ys[2],
          dw,
          q,
        );
        break;
      }
      case T.OP_DENSE: {
        const w = { inH: 1, inW: 1, inC: x.length, kH: 1, kW: 1, stride: 1, same: false };
        y = refConv(
          x,
          data(b),
          data(op.inputs[2]),
          data(op.inputs[3]),
          data(op.inputs[4]),
          w,
          ys[0],
          false,
          { inZp: at[0], outZp: at[1], actMin: at[2], actMax: at[3] },
        );
        break;
      }
      case T.OP_AVG_POOL2D:
      case T.OP_MAX_POOL2D:
        y = refPool(
          x,
          win(at[0], at[1], at[2], at[4]),
          op.code === T.OP_MAX_POOL2D ? "max" : "avg",
          at[5],
          at[6],
        );
        break;
      case T.OP_GLOBAL_AVG_POOL:
        y = refPool(x, win(xs[0], xs[1], 1, T.PAD_VALID), "avg", at[0], at[1]);
        break;
      case T.OP_ADD: {
        const yb = get(b);
        const up = 2 ** at[3];
        y = x.map((xa, i) =>
          clamp(
            at[2] +
              bigRescale(
                bigRescale((xa - at[0]) * up, at[4], at[5]) +
                  bigRescale((yb[i] - at[1]) * up, at[6], at[7]),
                at[8],
                at[9],
              ),
            at[10],
            at[11],
          ),
        );
        break;
      }
      case T.OP_BINARIZE: {
        const thr = data(op.inputs[1]);
        const dir = data(op.inputs[2]);
        const ch = xs[xs.length - 1];
        y = x.map((q, i) => bit(q, thr[i % ch], dir[i % ch]));
        break;
      }
      case T.OP_BCONV2D:
      case T.OP_BCONV2D_INT: {
        const ws = m.tensors[b].shape;
        const dots = refBinaryDots(x, get(b), win(ws[1], ws[2], at[0], at[2]), ws[0]);
        const o = ws[0];
        if (op.code === T.OP_BCONV2D) {
          const thr = data(op.inputs[2]);
          const dir = data(op.inputs[3]);
          y = dots.map((d, i) => bit(d, thr[i % o], dir[i % o]));
        } else {
          const [bias, mult, shift] = [data(op.inputs[2]), data(op.inputs[3]), data(op.inputs[4])];
          y = dots.map((d, i) =>
            clamp(at[3] + bigRescale(bias[i % o] + d, mult[i % o], shift[i % o]), at[4], at[5]),
          );
        }
        break;
      }
      case T.OP_BDENSE:
      case T.OP_BDENSE_INT: {
        const ws = m.tensors[b].shape;
        const w = get(b);
        const dots = Array.from({ length: ws[0] }, (_, o) =>
          x.reduce((s, xv, i) => s + xv * w[o * ws[1] + i], 0),
        );
        if (op.code === T.OP_BDENSE) {
          y = dots.map((d, o) => bit(d, data(op.inputs[2])[o], data(op.inputs[3])[o]));
        } else {
          const [bias, mult, shift] = [data(op.inputs[2]), data(op.inputs[3]), data(op.inputs[4])];
          y = dots.map((d, o) =>
            clamp(at[0] + bigRescale(bias[o] + d, mult[o], shift[o]), at[1], at[2]),
          );
        }
        break;
      }
      case T.OP_SOFTMAX: {
        const lut = data(b);
        const max = Math.max(...x);
        const e = x.map((q) => lut[max - q] ?? 0);
        const sum = e.reduce((s, q) => s + q, 0);
        y = e.map((q) => Math.floor((q * 32768 + Math.floor(sum / 2)) / sum));
        break;
      }
      default:
        throw new Error(`reference: op ${op.code}`);
    }
    v.set(op.outputs[0], y);
  }
  return v;
}

const models: [string, () => DeviceModel][] = [
  ["int8", () => syntheticInt8Model({ seed: 4 })],
  ["int5", () => syntheticInt8Model({ seed: 5, weightBits: 5 })],
  ["int4", () => syntheticInt8Model({ seed: 6, weightBits: 4 })],
  ["int2", () => syntheticInt8Model({ seed: 7, weightBits: 2 })],
  ["binary-dense", () => syntheticBinaryModel({ seed: 8 })],
  ["binary-conv", () => syntheticBinaryModel({ seed: 9, head: "conv" })],
  ["ffn-int16-act-5bit", () => syntheticFfnModel({ seed: 10 })],
  ["ffn-int16-act-4bit", () => syntheticFfnModel({ seed: 11, weightBits: 4 })],
];

describe("integer evaluator == reference interpreter, layer by layer", () => {
  for (const [name, make] of models) {
    it(name, () => {
      const model = decodeModel(encodeModel(make()));
      const ev = new IntEvaluator(model);
      const rng = new Rng(31);
      for (let trial = 0; trial < 3; trial++) {
        const features = Array.from({ length: ev.inputSize() }, () => rng.normal() * 6);
        const got = ev.run(features, true);
        const want = referenceRun(model, features);
        for (const layer of got.layers) {
          const t = model.tensors[layer.tensor];
          const values =
            t.dtype === T.DT_BIN
              ? signsOf(
                  layer.values,
                  layer.values.length / Math.ceil(t.shape[t.shape.length - 1] / 32),
                  t.shape[t.shape.length - 1],
                )
              : layer.values;
          expect(values, `${name} op ${layer.op} ${layer.opName}`).toEqual(want.get(layer.tensor));
        }
        const probs = got.scores;
        expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
        expect(got.output).toEqual(want.get(model.output));
      }
    });
  }

  it("rejects a feature window of the wrong size with an expected error", () => {
    const ev = new IntEvaluator(syntheticInt8Model());
    expect(() => ev.run([1, 2, 3])).toThrow(/expects 120 input features, got 3/);
  });
});
