import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  fakeQuantAct,
  fakeQuantTanh,
  fakeQuantWeights,
  makeQuantizer,
  steSign,
  tanhSquash,
} from "../../host/compress/quantizers";
import { targetDistributionPenalty } from "../../host/compress/regularizers";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const arr = (t: tf.Tensor) => Array.from(t.dataSync());
const close = (v: number[], digits = 5) => v.map((e) => expect.closeTo(e, digits));

/** Central finite difference of sum(c * f(x)) w.r.t. x. */
function numericGrad(f: (x: tf.Tensor) => tf.Tensor, x: number[], c: number[], h = 1e-3): number[] {
  const loss = (v: number[]) =>
    tf.tidy(() => tf.sum(tf.mul(f(tf.tensor(v)), tf.tensor(c))).dataSync()[0]);
  return x.map((_, i) => {
    const p = x.slice();
    const m = x.slice();
    p[i] += h;
    m[i] -= h;
    return (loss(p) - loss(m)) / (2 * h);
  });
}

function autoGrad(f: (x: tf.Tensor) => tf.Tensor, x: number[], c: number[]): number[] {
  return arr(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), tf.tensor(c))))(tf.tensor(x)));
}

describe("STE gradients", () => {
  const x = [-1.7, -0.9, -0.3, 0, 0.2, 0.95, 1.4, 2.2];
  const c = [0.3, -1.1, 0.7, 2, -0.4, 1.3, 0.9, -0.6];

  it("ste_sign: sign forward (sign(0) = +1), dy inside |x| <= clip, 0 outside (larq)", () => {
    expect(arr(steSign(tf.tensor(x)))).toEqual([-1, -1, -1, 1, 1, 1, 1, 1]);
    expect(autoGrad((t) => steSign(t), x, c)).toEqual(
      close(x.map((v, i) => (Math.abs(v) <= 1 ? c[i] : 0))),
    );
    expect(autoGrad((t) => steSign(t, 2), x, c)).toEqual(
      close(x.map((v, i) => (Math.abs(v) <= 2 ? c[i] : 0))),
    );
  });

  it("weight fake-quant: gradient equals the identity surrogate's, numerically", () => {
    const g = autoGrad((t) => fakeQuantWeights(t, 4, false), x, c);
    const n = numericGrad((t) => t, x, c);
    for (const [i, v] of g.entries()) expect(v).toBeCloseTo(n[i], 3);
  });

  it("tanh fake-quant: STE through rounding, exact through tanh and normalisation", () => {
    for (const bits of [4, 5]) {
      const g = autoGrad((t) => fakeQuantTanh(t, bits), x, c);
      const n = numericGrad((t) => tanhSquash(t), x, c);
      for (const [i, v] of g.entries()) expect(v).toBeCloseTo(n[i], 2);
    }
  });

  it("activation fake-quant: dy inside the nudged range, 0 outside", () => {
    const lo = tf.scalar(-1);
    const hi = tf.scalar(1);
    const g = autoGrad((t) => fakeQuantAct(t, lo, hi, 8), x, c);
    // levels 255, scale 2/255, zero point round(127.5) = 128 -> range [-128/127.5, 127/127.5]
    const nlo = -128 * (2 / 255);
    const nhi = nlo + 2;
    expect(g).toEqual(close(x.map((v, i) => (v >= nlo && v <= nhi ? c[i] : 0))));
  });
});

describe("quantizer round trips", () => {
  const w = tf.randomNormal([3, 3, 4, 6], 0, 0.5, "float32", 7);

  it.each([
    2, 3, 4, 5, 6, 8,
  ])("per-channel symmetric %i-bit weights lie on the grid and are idempotent", (bits) => {
    const q = fakeQuantWeights(w, bits);
    expect(arr(fakeQuantWeights(q, bits))).toEqual(arr(q).map((v) => expect.closeTo(v, 6)));
    const qmax = 2 ** (bits - 1) - 1;
    const wv = arr(w);
    const qv = arr(q);
    for (let ch = 0; ch < 6; ch++) {
      const idx = wv.map((_, i) => i).filter((i) => i % 6 === ch);
      const s = Math.max(...idx.map((i) => Math.abs(wv[i]))) / qmax;
      for (const i of idx) {
        const k = qv[i] / s;
        expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-3);
        expect(Math.abs(k)).toBeLessThanOrEqual(qmax + 1e-4);
        expect(Math.abs(qv[i] - wv[i])).toBeLessThanOrEqual(s / 2 + 1e-6);
      }
    }
  });

  it.each([
    4, 5, 8,
  ])("tanh %i-bit weights take at most 2^b - 1 levels in [-1, 1], max at ±1", (bits) => {
    const q = arr(fakeQuantTanh(w, bits));
    const levels = new Set(q.map((v) => Math.round(v * (2 ** (bits - 1) - 1))));
    expect(levels.size).toBeLessThanOrEqual(2 ** bits - 1);
    expect(Math.max(...q.map(Math.abs))).toBeCloseTo(1, 6);
  });

  it.each([2, 4, 8])("%i-bit activations: 2^b levels, zero exact, idempotent", (bits) => {
    const x = tf.linspace(-0.7, 2.3, 301);
    const q = fakeQuantAct(x, tf.scalar(-0.7), tf.scalar(2.3), bits);
    const vals = new Set(arr(q).map((v) => v.toFixed(5)));
    expect(vals.size).toBeLessThanOrEqual(2 ** bits);
    expect(arr(fakeQuantAct(tf.tensor([0]), tf.scalar(-0.7), tf.scalar(2.3), bits))[0]).toBeCloseTo(
      0,
      6,
    );
    expect(arr(fakeQuantAct(q, tf.scalar(-0.7), tf.scalar(2.3), bits))).toEqual(
      arr(q).map((v) => expect.closeTo(v, 5)),
    );
  });

  it("quantizers declare their precision; bad widths are refused", () => {
    expect(makeQuantizer({ kind: "ste_sign" }).bits).toBe(1);
    expect(makeQuantizer({ kind: "weight", bits: 5 }).bits).toBe(5);
    expect(makeQuantizer({ kind: "tanh", bits: 4 }).bits).toBe(4);
    expect(() => makeQuantizer({ kind: "weight", bits: 1 })).toThrow(/2\.\.16/);
  });

  it("target-distribution penalty is lambdaSigma (sigma_w - sigma_t)^2 + lambdaMu mu_w^2", () => {
    const v = [0.5, -0.1, 0.9, 0.3];
    const mu = v.reduce((a, b) => a + b) / 4;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / 4);
    const p = targetDistributionPenalty(tf.tensor(v), {
      sigmaT: 0.2,
      lambdaSigma: 0.5,
      lambdaMu: 2,
    });
    expect(p.dataSync()[0]).toBeCloseTo(0.5 * (sd - 0.2) ** 2 + 2 * mu * mu, 6);
  });
});
