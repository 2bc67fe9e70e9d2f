/** Reference add, input quantization and integer softmax (contracts: shared/kernels/types.ts). */
import { clamp, pow2Table, rescale, rescaleTflm, roundHalfAwayFromZero } from "../quant/rescale";
import { type AddParams, type QuantizeParams, type RequantParams, SOFTMAX_ONE } from "./types";

export function add(a: number[], b: number[], p: AddParams, out: number[]): void {
  const up = pow2Table(p.leftShift);
  for (let i = 0; i < p.n; i++) {
    const ra = rescale((a[i] - p.aZp) * up, p.aMult, p.aShift);
    const rb = rescale((b[i] - p.bZp) * up, p.bMult, p.bShift);
    out[i] = clamp(p.outZp + rescale(ra + rb, p.outMult, p.outShift), p.actMin, p.actMax);
  }
}

export function tflmRequantize(
  input: number[],
  mult: number[],
  shift: number[],
  n: number,
  ch: number,
  q: RequantParams,
  out: number[],
): void {
  for (let i = 0; i < n; i++) {
    const c = i % ch;
    out[i] = clamp(q.outZp + rescaleTflm(input[i], mult[c], shift[c]), q.actMin, q.actMax);
  }
}

export function quantize(input: number[], p: QuantizeParams, out: number[]): void {
  for (let i = 0; i < p.n; i++) {
    const x = input[i];
    // NaN maps to the zero point; infinities saturate through the clamp.
    // biome-ignore lint/suspicious/noSelfCompare: portable NaN test (no Number.isNaN in the subset)
    const v = x === x ? roundHalfAwayFromZero(x / p.scale) + p.zeroPoint : p.zeroPoint;
    out[i] = clamp(v, p.actMin, p.actMax);
  }
}

export function softmax(input: number[], lut: number[], n: number, out: number[]): void {
  let max = input[0];
  for (let i = 1; i < n; i++) if (input[i] > max) max = input[i];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = max - input[i];
    sum += d < lut.length ? lut[d] : 0;
  }
  const half = Math.floor(sum / 2);
  for (let i = 0; i < n; i++) {
    const d = max - input[i];
    const e = d < lut.length ? lut[d] : 0;
    out[i] = sum > 0 ? Math.floor((e * SOFTMAX_ONE + half) / sum) : 0;
  }
}
