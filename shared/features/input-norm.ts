/**
 * Per-coefficient input normalization, (x - mean[c]) / std[c], as the trainer applied it.
 * An exported model carries it in its header metadata (`inputNorm.mean.<c>`, `inputNorm.std.<c>`);
 * the device runtime and the host's integer evaluator both normalize each feature frame with
 * this code, in float64 (subtraction and division are exact IEEE operations on every engine),
 * so they feed the network the same bits.
 */
import type { KeyValue } from "../model-format/types";
import { zeros } from "../portable/arrays";

export interface InputNorm {
  mean: number[];
  std: number[];
}

function find(kvs: KeyValue[], key: string): number {
  for (let i = 0; i < kvs.length; i++) if (kvs[i].key === key) return kvs[i].value;
  return Number.NaN;
}

/**
 * Reads the normalization from model metadata: null when the model has none (inputs used as
 * computed); an Error naming the key when it is partial or a std is not positive.
 */
export function readInputNorm(meta: KeyValue[], coeffs: number): InputNorm | null {
  const first = find(meta, "inputNorm.mean.0");
  // biome-ignore lint/suspicious/noSelfCompare: portable NaN test
  if (first !== first) return null;
  const mean = zeros(coeffs);
  const std = zeros(coeffs);
  for (let c = 0; c < coeffs; c++) {
    const m = find(meta, `inputNorm.mean.${c}`);
    const s = find(meta, `inputNorm.std.${c}`);
    // biome-ignore lint/suspicious/noSelfCompare: portable NaN test
    if (m !== m) throw new Error(`input normalization lacks 'inputNorm.mean.${c}'`);
    if (!(s > 0) || s === Number.POSITIVE_INFINITY) {
      throw new Error(`input normalization 'inputNorm.std.${c}' must be positive and finite`);
    }
    mean[c] = m;
    std[c] = s;
  }
  return { mean, std };
}

/** Normalizes `frames` frames of `coeffs` values in place, starting at data[off]. */
export function normalizeFrames(
  data: number[],
  off: number,
  frames: number,
  coeffs: number,
  norm: InputNorm,
): void {
  for (let f = 0; f < frames; f++) {
    const base = off + f * coeffs;
    for (let c = 0; c < coeffs; c++) data[base + c] = (data[base + c] - norm.mean[c]) / norm.std[c];
  }
}
