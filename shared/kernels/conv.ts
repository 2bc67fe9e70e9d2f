/** Reference int8 convolutions (contracts: shared/kernels/types.ts). */
import { requantize } from "../quant/rescale";
import type { ConvGeometry, RequantParams } from "./types";

export function conv2d(
  input: number[],
  weights: number[],
  bias: number[],
  mult: number[],
  shift: number[],
  g: ConvGeometry,
  q: RequantParams,
  out: number[],
): void {
  const inC = g.inC;
  for (let oy = 0; oy < g.outH; oy++) {
    const iy0 = oy * g.strideH - g.padTop;
    for (let ox = 0; ox < g.outW; ox++) {
      const ix0 = ox * g.strideW - g.padLeft;
      const outBase = (oy * g.outW + ox) * g.outC;
      for (let o = 0; o < g.outC; o++) {
        let acc = bias[o];
        for (let ky = 0; ky < g.kH; ky++) {
          const iy = iy0 + ky;
          if (iy < 0 || iy >= g.inH) continue;
          for (let kx = 0; kx < g.kW; kx++) {
            const ix = ix0 + kx;
            if (ix < 0 || ix >= g.inW) continue;
            const xBase = (iy * g.inW + ix) * inC;
            const wBase = ((o * g.kH + ky) * g.kW + kx) * inC;
            for (let i = 0; i < inC; i++) {
              acc += (input[xBase + i] - q.inZp) * weights[wBase + i];
            }
          }
        }
        out[outBase + o] = requantize(acc, mult[o], shift[o], q.outZp, q.actMin, q.actMax);
      }
    }
  }
}

export function depthwiseConv2d(
  input: number[],
  weights: number[],
  bias: number[],
  mult: number[],
  shift: number[],
  g: ConvGeometry,
  q: RequantParams,
  out: number[],
): void {
  const depthMult = Math.floor(g.outC / g.inC);
  for (let oy = 0; oy < g.outH; oy++) {
    const iy0 = oy * g.strideH - g.padTop;
    for (let ox = 0; ox < g.outW; ox++) {
      const ix0 = ox * g.strideW - g.padLeft;
      const outBase = (oy * g.outW + ox) * g.outC;
      for (let o = 0; o < g.outC; o++) {
        const ic = Math.floor(o / depthMult);
        let acc = bias[o];
        for (let ky = 0; ky < g.kH; ky++) {
          const iy = iy0 + ky;
          if (iy < 0 || iy >= g.inH) continue;
          for (let kx = 0; kx < g.kW; kx++) {
            const ix = ix0 + kx;
            if (ix < 0 || ix >= g.inW) continue;
            acc +=
              (input[(iy * g.inW + ix) * g.inC + ic] - q.inZp) *
              weights[(ky * g.kW + kx) * g.outC + o];
          }
        }
        out[outBase + o] = requantize(acc, mult[o], shift[o], q.outZp, q.actMin, q.actMax);
      }
    }
  }
}
