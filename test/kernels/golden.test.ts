/**
 * Golden tables: every kernel implementation against the straightforward references in
 * float-reference.ts, on random shapes, zero points, clamps and multipliers.
 */
import { describe, expect, it } from "vitest";
import { addMultipliers, decomposeMultiplier, softmaxLut } from "../../host/compress/quant-params";
import { Rng } from "../../host/data/rng";
import { planAxis } from "../../shared/kernels/padding";
import type { ConvGeometry } from "../../shared/kernels/types";
import { PAD_SAME, PAD_VALID } from "../../shared/model-format/types";
import { packSigns, wordsPerRow } from "../../shared/quant/pack";
import { rescale as rescaleOnce } from "../../shared/quant/rescale";
import {
  bigRescale,
  refBinaryDots,
  refConv,
  refPool,
  signsOf,
  tfPadding,
  type Window,
} from "./float-reference";
import { KERNEL_IMPLEMENTATIONS } from "./implementations";

const ints = (rng: Rng, n: number, lo: number, hi: number) =>
  Array.from({ length: n }, () => lo + rng.int(hi - lo + 1));
const signs = (rng: Rng, n: number) => Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1));
const zeros = (n: number) => new Array<number>(n).fill(0);

/** TFLite's MultiplyByQuantizedMultiplier as gemmlowp writes it (int64, truncating division). */
function tflmReference(acc: number, mult: number, shift: number): number {
  const e = 31 - shift;
  const x = BigInt(acc) * (e > 0 ? 2n ** BigInt(e) : 1n);
  const ab = x * BigInt(mult);
  const nudge = ab >= 0n ? 2n ** 30n : 1n - 2n ** 30n;
  const high = (ab + nudge) / 2n ** 31n; // BigInt division truncates toward zero, as C++
  if (e >= 0) return Number(high);
  const mask = 2n ** BigInt(-e) - 1n;
  const rem = high & mask;
  const threshold = (mask >> 1n) + (high < 0n ? 1n : 0n);
  return Number((high >> BigInt(-e)) + (rem > threshold ? 1n : 0n));
}

function randomWindow(rng: Rng, maxC = 5): Window {
  const inH = 1 + rng.int(9);
  const inW = 1 + rng.int(9);
  const same = rng.next() < 0.5;
  const kH = 1 + rng.int(same ? 3 : Math.min(3, inH));
  const kW = 1 + rng.int(same ? 3 : Math.min(3, inW));
  return { inH, inW, inC: 1 + rng.int(maxC), kH, kW, stride: 1 + rng.int(3), same };
}

function geometry(w: Window, outC: number): ConvGeometry {
  const pad = w.same ? PAD_SAME : PAD_VALID;
  const h = planAxis(w.inH, w.kH, w.stride, pad);
  const x = planAxis(w.inW, w.kW, w.stride, pad);
  const tf = tfPadding(w);
  expect([h.out, x.out, h.padBefore, x.padBefore]).toEqual([tf.outH, tf.outW, tf.top, tf.left]);
  return {
    inH: w.inH,
    inW: w.inW,
    inC: w.inC,
    outH: h.out,
    outW: x.out,
    outC,
    kH: w.kH,
    kW: w.kW,
    strideH: w.stride,
    strideW: w.stride,
    padTop: h.padBefore,
    padLeft: x.padBefore,
  };
}

function multipliers(rng: Rng, n: number, taps: number) {
  const mult: number[] = [];
  const shift: number[] = [];
  for (let i = 0; i < n; i++) {
    const q = decomposeMultiplier(
      ((rng.next() < 0.1 ? -1 : 1) * rng.uniform(0.3, 3)) / Math.sqrt(taps) / 60,
    );
    mult.push(q.mult);
    shift.push(q.shift);
  }
  return { mult, shift };
}

function requantParams(rng: Rng) {
  const lo = -128 + rng.int(100);
  return {
    inZp: rng.int(41) - 20,
    outZp: rng.int(41) - 20,
    actMin: lo,
    actMax: lo + 30 + rng.int(127 - lo - 29),
  };
}

for (const impl of KERNEL_IMPLEMENTATIONS) {
  const k = impl.kernels;
  describe(`kernels: ${impl.name}`, () => {
    it("conv2d and depthwiseConv2d match the padded-window reference", () => {
      const rng = new Rng(100);
      for (let trial = 0; trial < 60; trial++) {
        const w = randomWindow(rng);
        const depthwise = trial % 2 === 1;
        const outC = depthwise ? w.inC * (1 + rng.int(2)) : 1 + rng.int(6);
        const g = geometry(w, outC);
        const taps = w.kH * w.kW * (depthwise ? 1 : w.inC);
        const x = ints(rng, w.inH * w.inW * w.inC, -128, 127);
        const wts = ints(rng, depthwise ? w.kH * w.kW * outC : outC * taps, -127, 127);
        const bias = ints(rng, outC, -5000, 5000);
        const { mult, shift } = multipliers(rng, outC, taps);
        const q = requantParams(rng);
        const out = zeros(g.outH * g.outW * outC);
        if (depthwise) k.depthwiseConv2d(x, wts, bias, mult, shift, g, q, out);
        else k.conv2d(x, wts, bias, mult, shift, g, q, out);
        const want = refConv(x, wts, bias, mult, shift, w, outC, depthwise, q);
        expect(out, `trial ${trial} ${JSON.stringify(w)}`).toEqual(want);
        if (trial < 4) expect(new Set(out).size).toBeGreaterThan(Math.min(3, out.length - 1)); // not all saturated
      }
    });

    // The C kernel runs channels in blocks of 64 and has separate loops for a depth multiplier
    // of 1, for one input channel (micro_speech's first layer) and for the rest.
    it.each([
      ["one input channel, depth multiplier 8, a 10 x 8 window at stride 2", 1, 8, 10, 8, 2],
      ["40 channels, depth multiplier 2 (80 outputs: two channel blocks)", 40, 2, 3, 3, 1],
      ["70 channels, depth multiplier 1 (two channel blocks)", 70, 1, 3, 3, 2],
    ])("depthwiseConv2d with %s matches the reference", (_n, inC, dm, kH, kW, stride) => {
      const rng = new Rng(102 + inC);
      for (const same of [true, false]) {
        const w: Window = { inH: 13, inW: 11, inC, kH, kW, stride, same };
        const outC = inC * dm;
        const g = geometry(w, outC);
        const x = ints(rng, w.inH * w.inW * inC, -128, 127);
        const wts = ints(rng, kH * kW * outC, -127, 127);
        const bias = ints(rng, outC, -5000, 5000);
        const { mult, shift } = multipliers(rng, outC, kH * kW);
        const q = requantParams(rng);
        const out = zeros(g.outH * g.outW * outC);
        k.depthwiseConv2d(x, wts, bias, mult, shift, g, q, out);
        expect(out).toEqual(refConv(x, wts, bias, mult, shift, w, outC, true, q));
        expect(new Set(out).size).toBeGreaterThan(3);
      }
    });

    it("dense matches the reference", () => {
      const rng = new Rng(101);
      for (let trial = 0; trial < 40; trial++) {
        const inN = 1 + rng.int(70);
        const outN = 1 + rng.int(12);
        const x = ints(rng, inN, -128, 127);
        const wts = ints(rng, inN * outN, -127, 127);
        const bias = ints(rng, outN, -3000, 3000);
        const { mult, shift } = multipliers(rng, outN, inN);
        const q = requantParams(rng);
        const out = zeros(outN);
        k.dense(x, wts, bias, mult, shift, { inN, outN }, q, out);
        const want = refConv(
          x,
          wts,
          bias,
          mult,
          shift,
          { inH: 1, inW: 1, inC: inN, kH: 1, kW: 1, stride: 1, same: false },
          outN,
          false,
          q,
        );
        expect(out).toEqual(want);
      }
    });

    it("avg/max/global pooling match the reference (valid taps only, half away from zero)", () => {
      const rng = new Rng(102);
      for (let trial = 0; trial < 60; trial++) {
        const w = randomWindow(rng);
        const g = geometry(w, w.inC);
        const x = ints(rng, w.inH * w.inW * w.inC, -128, 127);
        const lo = -128 + rng.int(60);
        const hi = 127 - rng.int(60);
        const out = zeros(g.outH * g.outW * w.inC);
        const max = trial % 2 === 0;
        if (max) k.maxPool2d(x, g, { actMin: lo, actMax: hi }, out);
        else k.avgPool2d(x, g, { actMin: lo, actMax: hi }, out);
        expect(out).toEqual(refPool(x, w, max ? "max" : "avg", lo, hi));
        const gap = zeros(w.inC);
        const global = max ? "globalMaxPool" : "globalAvgPool";
        k[global](x, w.inH, w.inW, w.inC, { actMin: lo, actMax: hi }, gap);
        const whole = { ...w, kH: w.inH, kW: w.inW, stride: 1, same: false };
        expect(gap).toEqual(refPool(x, whole, max ? "max" : "avg", lo, hi));
      }
    });

    it("add: exact to its integer definition and within one step of the real sum", () => {
      const rng = new Rng(103);
      for (let trial = 0; trial < 30; trial++) {
        const n = 1 + rng.int(50);
        const aScale = rng.uniform(0.01, 0.2);
        const bScale = rng.uniform(0.01, 0.2);
        const outScale = rng.uniform(0.02, 0.4);
        const m = addMultipliers(aScale, bScale, outScale);
        const p = {
          n,
          aZp: rng.int(21) - 10,
          bZp: rng.int(21) - 10,
          outZp: rng.int(21) - 10,
          actMin: -128,
          actMax: 127,
          ...m,
        };
        const a = ints(rng, n, -128, 127);
        const b = ints(rng, n, -128, 127);
        const out = zeros(n);
        k.add(a, b, p, out);
        for (let i = 0; i < n; i++) {
          const up = 2 ** p.leftShift;
          const ra = bigRescale((a[i] - p.aZp) * up, p.aMult, p.aShift);
          const rb = bigRescale((b[i] - p.bZp) * up, p.bMult, p.bShift);
          const exact = Math.min(
            127,
            Math.max(-128, p.outZp + bigRescale(ra + rb, p.outMult, p.outShift)),
          );
          expect(out[i]).toBe(exact);
          const real = (a[i] - p.aZp) * aScale + (b[i] - p.bZp) * bScale;
          const ideal = Math.min(127, Math.max(-128, p.outZp + real / outScale));
          expect(Math.abs(out[i] - ideal)).toBeLessThanOrEqual(1);
        }
      }
    });

    it("binary conv (bits out and int out) equals the float ±1 conv with zero padding", () => {
      const rng = new Rng(104);
      for (let trial = 0; trial < 40; trial++) {
        const w = randomWindow(rng, 70);
        const outC = 1 + rng.int(40);
        const g = geometry(w, outC);
        const rows = w.inH * w.inW;
        const xs = signs(rng, rows * w.inC);
        const ws = signs(rng, outC * w.kH * w.kW * w.inC);
        const xp = packSigns(xs, rows, w.inC);
        const wp = packSigns(ws, outC * w.kH * w.kW, w.inC);
        const dots = refBinaryDots(xs, ws, w, outC);
        const taps = w.kH * w.kW * w.inC;
        const thr = ints(rng, outC, -Math.min(taps, 8), Math.min(taps, 8));
        const dir = ints(rng, outC, 0, 1).map((d) => (d === 0 ? -1 : 1));
        const out = zeros(g.outH * g.outW * wordsPerRow(outC));
        k.binaryConv2d(xp, wp, thr, dir, g, out);
        const bits = dots.map((d, i) =>
          (dir[i % outC] > 0 ? d >= thr[i % outC] : d <= thr[i % outC]) ? 1 : -1,
        );
        expect(signsOf(out, g.outH * g.outW, outC)).toEqual(bits);
        const bias = ints(rng, outC, -20, 20);
        const { mult, shift } = multipliers(rng, outC, 1 / 400);
        const q = { inZp: 0, outZp: rng.int(21) - 10, actMin: -128, actMax: 127 };
        const outInt = zeros(g.outH * g.outW * outC);
        k.binaryConv2dInt(xp, wp, bias, mult, shift, g, q, outInt);
        const wantInt = dots.map((d, i) =>
          Math.min(
            127,
            Math.max(
              -128,
              q.outZp + bigRescale(bias[i % outC] + d, mult[i % outC], shift[i % outC]),
            ),
          ),
        );
        expect(outInt).toEqual(wantInt);
      }
    });

    it("binary dense and binarize equal their float definitions", () => {
      const rng = new Rng(105);
      for (let trial = 0; trial < 40; trial++) {
        const inN = 1 + rng.int(100);
        const outN = 1 + rng.int(40);
        const xs = signs(rng, inN);
        const ws = signs(rng, outN * inN);
        const dots = Array.from({ length: outN }, (_, o) =>
          xs.reduce((s, v, i) => s + v * ws[o * inN + i], 0),
        );
        const thr = ints(rng, outN, -6, 6);
        const dir = ints(rng, outN, 0, 1).map((d) => (d === 0 ? -1 : 1));
        const out = zeros(wordsPerRow(outN));
        k.binaryDense(
          packSigns(xs, 1, inN),
          packSigns(ws, outN, inN),
          thr,
          dir,
          { inN, outN },
          out,
        );
        expect(signsOf(out, 1, outN)).toEqual(
          dots.map((d, o) => ((dir[o] > 0 ? d >= thr[o] : d <= thr[o]) ? 1 : -1)),
        );
        const bias = ints(rng, outN, -20, 20);
        const { mult, shift } = multipliers(rng, outN, 1 / 400);
        const outInt = zeros(outN);
        const q = { inZp: 0, outZp: 3, actMin: -100, actMax: 100 };
        k.binaryDenseInt(
          packSigns(xs, 1, inN),
          packSigns(ws, outN, inN),
          bias,
          mult,
          shift,
          { inN, outN },
          q,
          outInt,
        );
        expect(outInt).toEqual(
          dots.map((d, o) =>
            Math.min(100, Math.max(-100, 3 + bigRescale(bias[o] + d, mult[o], shift[o]))),
          ),
        );

        const pixels = 1 + rng.int(5);
        const ch = 1 + rng.int(70);
        const x = ints(rng, pixels * ch, -128, 127);
        const t = ints(rng, ch, -30, 30);
        const d = ints(rng, ch, 0, 1).map((v) => (v === 0 ? -1 : 1));
        const bout = zeros(pixels * wordsPerRow(ch));
        k.binarize(x, t, d, pixels, ch, bout);
        expect(signsOf(bout, pixels, ch)).toEqual(
          x.map((v, i) => ((d[i % ch] > 0 ? v >= t[i % ch] : v <= t[i % ch]) ? 1 : -1)),
        );
      }
    });

    it("quantize rounds half away from zero, saturates, maps NaN to the zero point", () => {
      const input = [0.05, -0.05, 0.15, -0.25, 12.7, 1e9, -1e9, Number.NaN, 0.0499, 1 / 0];
      const out = zeros(input.length);
      k.quantize(
        input,
        { n: input.length, scale: 0.1, zeroPoint: 3, actMin: -128, actMax: 127 },
        out,
      );
      // 0.05/0.1 = 0.5 in doubles? (0.05/0.1 = 0.5 exactly), 0.15/0.1 = 1.4999999999999998
      expect(out).toEqual([4, 2, 4, 0, 127, 127, -128, 3, 3, 127]);
    });

    it("tflmRequantize equals gemmlowp's SaturatingRoundingDoublingHighMul + RoundingDivideByPOT", () => {
      const rng = new Rng(107);
      let differsFromOneRounding = 0;
      for (let trial = 0; trial < 40; trial++) {
        const ch = 1 + rng.int(5);
        const n = ch * (1 + rng.int(12));
        const mult = Array.from({ length: ch }, () => 2 ** 30 + rng.int(2 ** 30));
        // Mostly small right shifts after the high multiply, where double-rounding ties are common.
        const shift = Array.from({ length: ch }, () => 26 + rng.int(trial % 2 === 0 ? 37 : 10));
        const x = Array.from({ length: n }, () => rng.int(2 ** 31) - 2 ** 30);
        const q = { inZp: 0, outZp: rng.int(21) - 10, actMin: -2147483648, actMax: 2147483647 };
        const out = zeros(n);
        k.tflmRequantize(x, mult, shift, n, ch, q, out);
        const clampI32 = (v: number) => Math.max(q.actMin, Math.min(q.actMax, v));
        const want = x.map((v, i) =>
          clampI32(q.outZp + tflmReference(v, mult[i % ch], shift[i % ch])),
        );
        expect(out).toEqual(want);
        for (let i = 0; i < n; i++)
          if (out[i] !== clampI32(q.outZp + rescaleOnce(x[i], mult[i % ch], shift[i % ch])))
            differsFromOneRounding++;
      }
      // The cases this op exists for: earshot's single rounding gives another value.
      expect(differsFromOneRounding).toBeGreaterThan(0);
    });

    it("softmax: exact Q15 formula on the table, close to the float softmax", () => {
      const rng = new Rng(106);
      for (let trial = 0; trial < 30; trial++) {
        const n = 2 + rng.int(12);
        const scale = rng.uniform(0.02, 0.3);
        const lut = softmaxLut(scale);
        const x = ints(rng, n, -128, 127);
        const out = zeros(n);
        k.softmax(x, lut, n, out);
        const max = Math.max(...x);
        const e = x.map((v) => (max - v < lut.length ? lut[max - v] : 0));
        const sum = e.reduce((a, b) => a + b, 0);
        expect(out).toEqual(e.map((v) => Math.floor((v * 32768 + Math.floor(sum / 2)) / sum)));
        const fe = x.map((v) => Math.exp((v - max) * scale));
        const fs = fe.reduce((a, b) => a + b, 0);
        for (let i = 0; i < n; i++)
          expect(Math.abs(out[i] / 32768 - fe[i] / fs)).toBeLessThan(1e-3);
      }
    });
  });
}
