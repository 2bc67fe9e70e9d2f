/** Reference fully connected layer (contract: shared/kernels/types.ts). */
import { requantize } from "../quant/rescale";
import type { DenseShape, RequantParams } from "./types";

export function dense(
  input: number[],
  weights: number[],
  bias: number[],
  mult: number[],
  shift: number[],
  d: DenseShape,
  q: RequantParams,
  out: number[],
): void {
  for (let o = 0; o < d.outN; o++) {
    let acc = bias[o];
    const wBase = o * d.inN;
    for (let i = 0; i < d.inN; i++) acc += (input[i] - q.inZp) * weights[wBase + i];
    out[o] = requantize(acc, mult[o], shift[o], q.outZp, q.actMin, q.actMax);
  }
}
