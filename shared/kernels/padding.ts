import { PAD_SAME, PAD_VALID, PAD_VALID_H_SAME_W } from "../model-format/types";

/** Output size and leading padding of one spatial axis (TensorFlow's SAME / VALID rules). */
export interface AxisPlan {
  out: number;
  padBefore: number;
}

/**
 * SAME: out = ceil(in / stride), total padding max((out-1)*stride + k - in, 0), the smaller
 * half before. VALID: out = floor((in - k) / stride) + 1 (0 if the kernel does not fit).
 */
export function planAxis(inSize: number, k: number, stride: number, padding: number): AxisPlan {
  if (padding === PAD_SAME) {
    const out = Math.floor((inSize + stride - 1) / stride);
    let total = (out - 1) * stride + k - inSize;
    if (total < 0) total = 0;
    return { out, padBefore: Math.floor(total / 2) };
  }
  const out = inSize >= k ? Math.floor((inSize - k) / stride) + 1 : 0;
  return { out, padBefore: 0 };
}

/** The padding rule of one axis (0 = H, 1 = W) under a model's padding mode. */
export function axisPadding(padding: number, axis: number): number {
  if (padding === PAD_VALID_H_SAME_W) return axis === 0 ? PAD_VALID : PAD_SAME;
  return padding;
}
