/**
 * Straightforward references for the kernels, written independently of shared/kernels: padding
 * materialized explicitly, ±1 values unpacked to numbers, requantization in BigInt from its
 * definition floor((acc * mult + 2^(shift-1)) / 2^shift). Slow and obvious on purpose.
 */
import { unpackSigns } from "../../shared/quant/pack";

export function bigRescale(acc: number, mult: number, shift: number): number {
  const n = BigInt(acc) * BigInt(mult) + (1n << BigInt(shift - 1));
  const d = 1n << BigInt(shift);
  let q = n / d;
  if (n % d !== 0n && n < 0n) q -= 1n;
  return Number(q);
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export interface Window {
  inH: number;
  inW: number;
  inC: number;
  kH: number;
  kW: number;
  stride: number;
  same: boolean;
}

/** TensorFlow's padding rule, from its documentation. */
export function tfPadding(w: Window) {
  if (!w.same) {
    return {
      outH: Math.floor((w.inH - w.kH) / w.stride) + 1,
      outW: Math.floor((w.inW - w.kW) / w.stride) + 1,
      top: 0,
      left: 0,
    };
  }
  const outH = Math.ceil(w.inH / w.stride);
  const outW = Math.ceil(w.inW / w.stride);
  const padH = Math.max((outH - 1) * w.stride + w.kH - w.inH, 0);
  const padW = Math.max((outW - 1) * w.stride + w.kW - w.inW, 0);
  return { outH, outW, top: Math.floor(padH / 2), left: Math.floor(padW / 2) };
}

/** Gathers the window of output (oy, ox) as [value | undefined] per (ky, kx, c): undefined = padding. */
function windowAt(
  x: number[],
  w: Window,
  oy: number,
  ox: number,
  c: number,
): (number | undefined)[] {
  const p = tfPadding(w);
  const out: (number | undefined)[] = [];
  for (let ky = 0; ky < w.kH; ky++) {
    for (let kx = 0; kx < w.kW; kx++) {
      const iy = oy * w.stride + ky - p.top;
      const ix = ox * w.stride + kx - p.left;
      const inside = iy >= 0 && iy < w.inH && ix >= 0 && ix < w.inW;
      out.push(inside ? x[(iy * w.inW + ix) * w.inC + c] : undefined);
    }
  }
  return out;
}

export function refConv(
  x: number[],
  wts: number[],
  bias: number[],
  mult: number[],
  shift: number[],
  w: Window,
  outC: number,
  depthwise: boolean,
  q: { inZp: number; outZp: number; actMin: number; actMax: number },
): number[] {
  const p = tfPadding(w);
  const out: number[] = [];
  const dm = outC / w.inC;
  for (let oy = 0; oy < p.outH; oy++) {
    for (let ox = 0; ox < p.outW; ox++) {
      for (let o = 0; o < outC; o++) {
        let acc = bias[o];
        const chans = depthwise ? [Math.floor(o / dm)] : Array.from({ length: w.inC }, (_, i) => i);
        for (const c of chans) {
          const win = windowAt(x, w, oy, ox, c);
          win.forEach((v, t) => {
            const xv = v === undefined ? 0 : v - q.inZp; // zero padding in real terms
            const wv = depthwise ? wts[t * outC + o] : wts[(o * w.kH * w.kW + t) * w.inC + c];
            acc += xv * wv;
          });
        }
        out.push(clamp(q.outZp + bigRescale(acc, mult[o], shift[o]), q.actMin, q.actMax));
      }
    }
  }
  return out;
}

export function refPool(
  x: number[],
  w: Window,
  kind: "avg" | "max",
  lo: number,
  hi: number,
): number[] {
  const p = tfPadding(w);
  const out: number[] = [];
  for (let oy = 0; oy < p.outH; oy++) {
    for (let ox = 0; ox < p.outW; ox++) {
      for (let c = 0; c < w.inC; c++) {
        const vals = windowAt(x, w, oy, ox, c).filter((v): v is number => v !== undefined);
        let r: number;
        if (kind === "max") r = Math.max(...vals);
        else {
          const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
          r = Math.sign(mean) * Math.floor(Math.abs(mean) + 0.5);
        }
        out.push(clamp(r, lo, hi) + 0);
      }
    }
  }
  return out;
}

/** ±1 values of packed [rows, ch]. */
export function signsOf(words: number[], rows: number, ch: number): number[] {
  const out = new Array<number>(rows * ch).fill(0);
  unpackSigns(words, rows, ch, out);
  return out;
}

/** Float ±1 conv with zero padding: the dot products, [outH, outW, outC]. */
export function refBinaryDots(xs: number[], ws: number[], w: Window, outC: number): number[] {
  const p = tfPadding(w);
  const out: number[] = [];
  for (let oy = 0; oy < p.outH; oy++) {
    for (let ox = 0; ox < p.outW; ox++) {
      for (let o = 0; o < outC; o++) {
        let dot = 0;
        for (let c = 0; c < w.inC; c++) {
          windowAt(xs, w, oy, ox, c).forEach((v, t) => {
            dot += (v ?? 0) * ws[(o * w.kH * w.kW + t) * w.inC + c];
          });
        }
        out.push(dot);
      }
    }
  }
  return out;
}
