/**
 * Folding batch norm + sign into integer thresholds (binary networks).
 *
 * The float layer computes bit = sign(gamma * (x - mean) / sqrt(var + eps) + beta) >= 0 ? +1 : -1
 * on an integer pre-activation x (a popcount-derived ±1 dot, or an int8 value). Because that
 * expression is monotone in x (increasing for gamma > 0, decreasing for gamma < 0, constant for
 * gamma = 0), it equals an integer compare:
 *   gamma > 0: x >= thr (dir +1), thr = ceil(mean - beta * sigma / gamma)
 *   gamma < 0: x <= thr (dir -1), thr = floor(mean - beta * sigma / gamma)
 *   gamma = 0: constant beta >= 0: always (+1, INT32_MIN) or never (+1, INT32_MAX).
 * The candidate threshold is then corrected against `bnSignFloat` itself, so the fold is exact
 * for that float reference even where rounding puts the boundary within an ulp of an integer.
 */

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export interface BatchNorm {
  gamma: number;
  beta: number;
  mean: number;
  variance: number;
  eps: number;
}

/** The float reference: 1 if BN(x) >= 0 (sign(0) = +1, as larq), else 0. */
export function bnSignFloat(x: number, bn: BatchNorm): number {
  return (bn.gamma * (x - bn.mean)) / Math.sqrt(bn.variance + bn.eps) + bn.beta >= 0 ? 1 : 0;
}

export function foldBnSign(bn: BatchNorm): { thr: number; dir: number } {
  const sigma = Math.sqrt(bn.variance + bn.eps);
  if (bn.gamma === 0 || !Number.isFinite(bn.gamma)) {
    return { thr: bn.beta >= 0 ? INT32_MIN : INT32_MAX, dir: 1 };
  }
  const t = bn.mean - (bn.beta * sigma) / bn.gamma;
  if (!Number.isFinite(t))
    throw new Error(`cannot fold batch norm ${JSON.stringify(bn)}: boundary ${t}`);
  const clampT = (v: number) => Math.max(INT32_MIN + 1, Math.min(INT32_MAX - 1, v));
  if (bn.gamma > 0) {
    let thr = clampT(Math.ceil(t));
    while (thr > INT32_MIN + 1 && bnSignFloat(thr - 1, bn) === 1) thr--;
    while (thr < INT32_MAX - 1 && bnSignFloat(thr, bn) === 0) thr++;
    return { thr, dir: 1 };
  }
  let thr = clampT(Math.floor(t));
  while (thr < INT32_MAX - 1 && bnSignFloat(thr + 1, bn) === 1) thr++;
  while (thr > INT32_MIN + 1 && bnSignFloat(thr, bn) === 0) thr--;
  return { thr, dir: -1 };
}
