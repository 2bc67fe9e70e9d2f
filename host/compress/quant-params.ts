/**
 * Host-side derivation of the integer parameters the device file stores (uses floats and
 * Math.*: runs on the host only). The integer semantics they feed are in shared/quant.
 */
import { dtypeRange } from "../../shared/model-format/layout";
import { DT_INT8 } from "../../shared/model-format/types";
import { SHIFT_MAX, SHIFT_MIN } from "../../shared/quant/rescale";

/** An int32 multiplier and right shift: real ~= mult * 2^-shift. */
export interface QuantMultiplier {
  mult: number;
  shift: number;
}

/**
 * Decomposes a real multiplier into (mult, shift) with |mult| in [2^30, 2^31) (31 significant
 * bits) and shift in [SHIFT_MIN, SHIFT_MAX]. Tiny multipliers lose precision at SHIFT_MAX (and
 * become 0 below 2^-63); multipliers >= 2^(31 - SHIFT_MIN) = 2^14 cannot be represented.
 */
export function decomposeMultiplier(real: number): QuantMultiplier {
  if (!Number.isFinite(real)) throw new Error(`multiplier ${real} is not finite`);
  if (real === 0) return { mult: 0, shift: SHIFT_MAX };
  const neg = real < 0;
  const a = Math.abs(real);
  let e = Math.floor(Math.log2(a));
  // Fix log2 rounding so that 2^e <= a < 2^(e+1).
  while (2 ** e > a) e--;
  while (2 ** (e + 1) <= a) e++;
  let shift = 30 - e;
  let mult = Math.round(a * 2 ** shift);
  if (mult === 2 ** 31) {
    mult /= 2;
    shift -= 1;
  }
  if (shift < SHIFT_MIN)
    throw new Error(`multiplier ${real} too large (limit 2^${31 - SHIFT_MIN})`);
  if (shift > SHIFT_MAX) {
    mult = Math.round(a * 2 ** SHIFT_MAX);
    shift = SHIFT_MAX;
  }
  return { mult: neg ? -mult : mult, shift };
}

/** The real value a (mult, shift) pair stands for. */
export function multiplierValue(q: QuantMultiplier): number {
  return q.mult * 2 ** -q.shift;
}

/** Asymmetric (scale, zeroPoint) covering [min, max] (widened to include 0), as TFLite nudges. */
export function asymmetricParams(
  min: number,
  max: number,
  qmin: number,
  qmax: number,
): { scale: number; zeroPoint: number } {
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  if (hi === lo) return { scale: 1, zeroPoint: 0 };
  const scale = (hi - lo) / (qmax - qmin);
  const zp = Math.round(qmin - lo / scale);
  return { scale, zeroPoint: Math.min(qmax, Math.max(qmin, zp)) };
}

/** Symmetric per-channel quantization of weights at `bits` (range ±(2^(bits-1) - 1)). */
export function quantizeWeightsPerChannel(
  weights: ArrayLike<number>,
  channels: number,
  channelAxisLast: boolean,
  bits: number,
): { q: number[]; scales: number[] } {
  const n = weights.length;
  const per = n / channels;
  const qmax = 2 ** (bits - 1) - 1;
  const chOf = (i: number) => (channelAxisLast ? i % channels : Math.floor(i / per));
  const absMax = new Array<number>(channels).fill(0);
  for (let i = 0; i < n; i++) absMax[chOf(i)] = Math.max(absMax[chOf(i)], Math.abs(weights[i]));
  const scales = absMax.map((m) => (m > 0 ? m / qmax : 1));
  const q = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const v = Math.round(weights[i] / scales[chOf(i)]);
    q[i] = Math.max(-qmax, Math.min(qmax, v));
  }
  return { q, scales };
}

/** Per-channel requantization of a conv/dense: real_c = inScale * wScale_c / outScale. */
export function requantMultipliers(
  inScale: number,
  wScales: number[],
  outScale: number,
): { mult: number[]; shift: number[] } {
  const mult: number[] = [];
  const shift: number[] = [];
  for (const ws of wScales) {
    const q = decomposeMultiplier((inScale * ws) / outScale);
    mult.push(q.mult);
    shift.push(q.shift);
  }
  return { mult, shift };
}

/** Fused activations, expressed as integer clamp bounds on the output. */
export type Activation = "none" | "relu" | "relu6" | { clip: number };

export function activationClamp(
  act: Activation,
  scale: number,
  zeroPoint: number,
  dtype = DT_INT8,
): { actMin: number; actMax: number } {
  const [qmin, qmax] = dtypeRange(dtype);
  const q = (x: number) => Math.max(qmin, Math.min(qmax, zeroPoint + Math.round(x / scale)));
  if (act === "none") return { actMin: qmin, actMax: qmax };
  if (act === "relu") return { actMin: q(0), actMax: qmax };
  if (act === "relu6") return { actMin: q(0), actMax: q(6) };
  return { actMin: q(0), actMax: q(act.clip) };
}

/**
 * Parameters of a quantized add, as TFLite derives them: both inputs go to a common scale of
 * 2 * max(aScale, bScale) with 20 bits of headroom, then to the output scale.
 */
export function addMultipliers(aScale: number, bScale: number, outScale: number, leftShift = 20) {
  const twiceMax = 2 * Math.max(aScale, bScale);
  const a = decomposeMultiplier(aScale / twiceMax);
  const b = decomposeMultiplier(bScale / twiceMax);
  const out = decomposeMultiplier(twiceMax / (2 ** leftShift * outScale));
  return {
    leftShift,
    aMult: a.mult,
    aShift: a.shift,
    bMult: b.mult,
    bShift: b.shift,
    outMult: out.mult,
    outShift: out.shift,
  };
}

/** Softmax table for logits of scale `scale`: lut[d] = round(2^30 * exp(-d * scale * beta)). */
export function softmaxLut(scale: number, beta = 1, size = 256): number[] {
  const lut: number[] = [];
  for (let d = 0; d < size; d++) lut.push(Math.round(2 ** 30 * Math.exp(-d * scale * beta)));
  return lut;
}
