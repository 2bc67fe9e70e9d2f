/**
 * Reference binary (XNOR / popcount) kernels (contracts: shared/kernels/types.ts).
 * Padded taps are skipped, so they contribute 0 to the ±1 dot product.
 */
import { toInt32 } from "../portable/int";
import { thresholdBit, xnorDot } from "../quant/binary";
import { wordsPerRow } from "../quant/pack";
import { pow2Table, requantize } from "../quant/rescale";
import type { ConvGeometry, DenseShape, RequantParams } from "./types";

/** ±1 dot of output channel o at output pixel (oy, ox), over the taps inside the image. */
function convDot(
  input: number[],
  weights: number[],
  g: ConvGeometry,
  oy: number,
  ox: number,
  o: number,
): number {
  const wpr = wordsPerRow(g.inC);
  const iy0 = oy * g.strideH - g.padTop;
  const ix0 = ox * g.strideW - g.padLeft;
  let dot = 0;
  for (let ky = 0; ky < g.kH; ky++) {
    const iy = iy0 + ky;
    if (iy < 0 || iy >= g.inH) continue;
    for (let kx = 0; kx < g.kW; kx++) {
      const ix = ix0 + kx;
      if (ix < 0 || ix >= g.inW) continue;
      dot += xnorDot(
        input,
        (iy * g.inW + ix) * wpr,
        weights,
        ((o * g.kH + ky) * g.kW + kx) * wpr,
        g.inC,
      );
    }
  }
  return dot;
}

export function binaryConv2d(
  input: number[],
  weights: number[],
  thr: number[],
  dir: number[],
  g: ConvGeometry,
  out: number[],
): void {
  const owpr = wordsPerRow(g.outC);
  for (let oy = 0; oy < g.outH; oy++) {
    for (let ox = 0; ox < g.outW; ox++) {
      const base = (oy * g.outW + ox) * owpr;
      for (let w = 0; w < owpr; w++) {
        let word = 0;
        for (let b = 0; b < 32; b++) {
          const o = w * 32 + b;
          if (o >= g.outC) break;
          if (thresholdBit(convDot(input, weights, g, oy, ox, o), thr[o], dir[o]) === 1) {
            word += pow2Table(b);
          }
        }
        out[base + w] = toInt32(word);
      }
    }
  }
}

export function binaryConv2dInt(
  input: number[],
  weights: number[],
  bias: number[],
  mult: number[],
  shift: number[],
  g: ConvGeometry,
  q: RequantParams,
  out: number[],
): void {
  for (let oy = 0; oy < g.outH; oy++) {
    for (let ox = 0; ox < g.outW; ox++) {
      const base = (oy * g.outW + ox) * g.outC;
      for (let o = 0; o < g.outC; o++) {
        const acc = bias[o] + convDot(input, weights, g, oy, ox, o);
        out[base + o] = requantize(acc, mult[o], shift[o], q.outZp, q.actMin, q.actMax);
      }
    }
  }
}

export function binaryDense(
  input: number[],
  weights: number[],
  thr: number[],
  dir: number[],
  d: DenseShape,
  out: number[],
): void {
  const wpr = wordsPerRow(d.inN);
  const owpr = wordsPerRow(d.outN);
  for (let w = 0; w < owpr; w++) {
    let word = 0;
    for (let b = 0; b < 32; b++) {
      const o = w * 32 + b;
      if (o >= d.outN) break;
      if (thresholdBit(xnorDot(input, 0, weights, o * wpr, d.inN), thr[o], dir[o]) === 1) {
        word += pow2Table(b);
      }
    }
    out[w] = toInt32(word);
  }
}

export function binaryDenseInt(
  input: number[],
  weights: number[],
  bias: number[],
  mult: number[],
  shift: number[],
  d: DenseShape,
  q: RequantParams,
  out: number[],
): void {
  const wpr = wordsPerRow(d.inN);
  for (let o = 0; o < d.outN; o++) {
    const acc = bias[o] + xnorDot(input, 0, weights, o * wpr, d.inN);
    out[o] = requantize(acc, mult[o], shift[o], q.outZp, q.actMin, q.actMax);
  }
}

export function binarize(
  input: number[],
  thr: number[],
  dir: number[],
  pixels: number,
  ch: number,
  out: number[],
): void {
  const wpr = wordsPerRow(ch);
  for (let p = 0; p < pixels; p++) {
    for (let w = 0; w < wpr; w++) {
      let word = 0;
      for (let b = 0; b < 32; b++) {
        const c = w * 32 + b;
        if (c >= ch) break;
        if (thresholdBit(input[p * ch + c], thr[c], dir[c]) === 1) word += pow2Table(b);
      }
      out[p * wpr + w] = toInt32(word);
    }
  }
}
