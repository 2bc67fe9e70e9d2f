/** Reference pooling (contracts: shared/kernels/types.ts). Only taps inside the image count. */
import { clamp, divRoundHalfAway } from "../quant/rescale";
import type { ClampParams, ConvGeometry, GlobalPoolKernel } from "./types";

export function avgPool2d(input: number[], g: ConvGeometry, c: ClampParams, out: number[]): void {
  const ch = g.inC;
  for (let oy = 0; oy < g.outH; oy++) {
    const iy0 = oy * g.strideH - g.padTop;
    for (let ox = 0; ox < g.outW; ox++) {
      const ix0 = ox * g.strideW - g.padLeft;
      for (let k = 0; k < ch; k++) {
        let sum = 0;
        let count = 0;
        for (let ky = 0; ky < g.kH; ky++) {
          const iy = iy0 + ky;
          if (iy < 0 || iy >= g.inH) continue;
          for (let kx = 0; kx < g.kW; kx++) {
            const ix = ix0 + kx;
            if (ix < 0 || ix >= g.inW) continue;
            sum += input[(iy * g.inW + ix) * ch + k];
            count++;
          }
        }
        const avg = count > 0 ? divRoundHalfAway(sum, count) : 0;
        out[(oy * g.outW + ox) * ch + k] = clamp(avg, c.actMin, c.actMax);
      }
    }
  }
}

export function maxPool2d(input: number[], g: ConvGeometry, c: ClampParams, out: number[]): void {
  const ch = g.inC;
  for (let oy = 0; oy < g.outH; oy++) {
    const iy0 = oy * g.strideH - g.padTop;
    for (let ox = 0; ox < g.outW; ox++) {
      const ix0 = ox * g.strideW - g.padLeft;
      for (let k = 0; k < ch; k++) {
        let best = c.actMin;
        let any = false;
        for (let ky = 0; ky < g.kH; ky++) {
          const iy = iy0 + ky;
          if (iy < 0 || iy >= g.inH) continue;
          for (let kx = 0; kx < g.kW; kx++) {
            const ix = ix0 + kx;
            if (ix < 0 || ix >= g.inW) continue;
            const v = input[(iy * g.inW + ix) * ch + k];
            if (!any || v > best) best = v;
            any = true;
          }
        }
        out[(oy * g.outW + ox) * ch + k] = clamp(best, c.actMin, c.actMax);
      }
    }
  }
}

export const globalAvgPool: GlobalPoolKernel = (input, h, w, ch, c, out) => {
  const count = h * w;
  for (let k = 0; k < ch; k++) {
    let sum = 0;
    for (let p = 0; p < count; p++) sum += input[p * ch + k];
    out[k] = clamp(count > 0 ? divRoundHalfAway(sum, count) : 0, c.actMin, c.actMax);
  }
};

export const globalMaxPool: GlobalPoolKernel = (input, h, w, ch, c, out) => {
  const count = h * w;
  for (let k = 0; k < ch; k++) {
    let best = count > 0 ? input[k] : 0;
    for (let p = 1; p < count; p++) if (input[p * ch + k] > best) best = input[p * ch + k];
    out[k] = clamp(best, c.actMin, c.actMax);
  }
};
