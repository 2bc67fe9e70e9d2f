/**
 * The exported integers against a straightforward float64 simulation of the integer semantics
 * (written here from the op definitions, independently of shared/kernels): quantize, SAME-padded
 * conv, dense, requantization as floor(acc * mult / 2^shift + 1/2) and the clamp. The integer
 * evaluator must produce exactly the same logits, hence exactly the same accuracy.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { calibrate, exportModel } from "../../host/compress/export";
import { IntEvaluator } from "../../host/compress/int-eval";
import { buildModel } from "../../host/models";
import type { DeviceModel } from "../../shared/model-format/types";
import { OP_CONV2D, OP_DENSE, OP_QUANTIZE, OP_SOFTMAX } from "../../shared/model-format/types";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const roundAway = (x: number) => Math.sign(x) * Math.floor(Math.abs(x) + 0.5);
const requant = (acc: number, mult: number, shift: number, zp: number, lo: number, hi: number) =>
  Math.min(hi, Math.max(lo, zp + Math.floor((acc * mult) / 2 ** shift + 0.5)));

/** Runs quantize / conv2d / dense ops of `m` in plain float64; returns the logits (pre-softmax). */
function simulate(m: DeviceModel, x: number[]): number[] {
  const vals: number[][] = m.tensors.map((t) => t.data ?? []);
  vals[m.input] = x;
  let last: number[] = [];
  for (const op of m.ops) {
    const [xi] = op.inputs;
    const inT = m.tensors[xi];
    const outT = m.tensors[op.outputs[0]];
    const v = vals[xi];
    let y: number[];
    if (op.code === OP_QUANTIZE) {
      const [lo, hi] = [-128, 127];
      y = v.map((e) => Math.min(hi, Math.max(lo, roundAway(e / outT.scales[0]) + outT.zeroPoint)));
    } else if (op.code === OP_CONV2D) {
      const [w, bias, mult, shift] = op.inputs.slice(1).map((k) => vals[k]);
      const [sH, sW, , inZp, outZp, lo, hi] = op.attrs;
      const [H, W, C] = inT.shape;
      const [O, kH, kW] = m.tensors[op.inputs[1]].shape;
      const [oH, oW] = outT.shape;
      const padT = Math.floor(Math.max(0, (oH - 1) * sH + kH - H) / 2);
      const padL = Math.floor(Math.max(0, (oW - 1) * sW + kW - W) / 2);
      y = [];
      for (let oy = 0; oy < oH; oy++)
        for (let ox = 0; ox < oW; ox++)
          for (let o = 0; o < O; o++) {
            let acc = bias[o];
            for (let ky = 0; ky < kH; ky++)
              for (let kx = 0; kx < kW; kx++) {
                const iy = oy * sH + ky - padT;
                const ix = ox * sW + kx - padL;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                for (let c = 0; c < C; c++)
                  acc += (v[(iy * W + ix) * C + c] - inZp) * w[((o * kH + ky) * kW + kx) * C + c];
              }
            y.push(requant(acc, mult[o], shift[o], outZp, lo, hi));
          }
    } else if (op.code === OP_DENSE) {
      const [w, bias, mult, shift] = op.inputs.slice(1).map((k) => vals[k]);
      const [inZp, outZp, lo, hi] = op.attrs;
      const n = v.length;
      y = bias.map((b, o) => {
        let acc = b;
        for (let i = 0; i < n; i++) acc += (v[i] - inZp) * w[o * n + i];
        return requant(acc, mult[o], shift[o], outZp, lo, hi);
      });
      last = y;
    } else if (op.code === OP_SOFTMAX) {
      continue;
    } else {
      throw new Error(`reference does not simulate op ${op.code}`);
    }
    vals[op.outputs[0]] = y;
  }
  return last;
}

describe("exported integers vs a float64 reference of the integer semantics", () => {
  it("TinyConv logits are identical on every input, so accuracies are equal", () => {
    const shape = [20, 10, 1];
    const m = buildModel("tinyconv", {
      inputShape: shape as never,
      numClasses: 4,
      filters: 6,
      dropout: 0,
    });
    let s = 0;
    for (const w of m.weights)
      w.write(tf.randomNormal(w.shape as number[], 0, 0.3, "float32", ++s));
    const calib = tf.randomNormal([64, ...shape], 0, 1, "float32", 9);
    const dm = exportModel(m, { labels: ["a", "b", "c", "d"], ranges: calibrate(m, calib) });
    const ev = new IntEvaluator(dm);
    const x = tf.randomNormal([30, ...shape], 0, 1.3, "float32", 10).dataSync();
    const n = 200;
    for (let i = 0; i < 30; i++) {
      const xi = Array.from(x.subarray(i * n, (i + 1) * n));
      const r = ev.run(xi, true);
      const logitsInt = r.layers[r.layers.length - 2].values;
      expect(logitsInt.some((v) => v !== logitsInt[0])).toBe(true);
      expect(simulate(dm, xi)).toEqual(logitsInt);
    }
  });
});
