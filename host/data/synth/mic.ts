/**
 * A speaker's recording device, reduced to its band: a 2nd-order Butterworth high-pass (small
 * capsules and wind filters cut lows) and low-pass (cheap mics and codecs cut highs). Crowd-
 * sourced clips like Speech Commands differ this way from phone to phone.
 */
export interface MicBand {
  highPassHz: number;
  lowPassHz: number;
}

/** Biquad coefficients (RBJ cookbook, Q = 1/sqrt 2), normalized by a0. */
function biquad(kind: "lp" | "hp", hz: number, rate: number): Float64Array {
  const w = (2 * Math.PI * hz) / rate;
  const cos = Math.cos(w);
  const alpha = Math.sin(w) / Math.SQRT2;
  const a0 = 1 + alpha;
  const b1 = kind === "lp" ? 1 - cos : -(1 + cos);
  const b0 = kind === "lp" ? (1 - cos) / 2 : (1 + cos) / 2;
  return Float64Array.of(b0 / a0, b1 / a0, b0 / a0, (-2 * cos) / a0, (1 - alpha) / a0);
}

function filterInPlace(x: Float32Array, c: Float64Array): void {
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i];
    const y0 = c[0] * x0 + c[1] * x1 + c[2] * x2 - c[3] * y1 - c[4] * y2;
    x2 = x1;
    x1 = x0;
    y2 = y1;
    y1 = y0;
    x[i] = y0;
  }
}

/** Applies the mic's band to 16 kHz audio in place. */
export function applyMic(x: Float32Array, mic: MicBand, rate = 16000): Float32Array {
  filterInPlace(x, biquad("hp", mic.highPassHz, rate));
  if (mic.lowPassHz < rate / 2 - 100) filterInPlace(x, biquad("lp", mic.lowPassHz, rate));
  return x;
}
