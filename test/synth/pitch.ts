/** Median fundamental frequency (Hz) of the voiced 40 ms frames of `x` at 16 kHz (autocorrelation). */
export function f0(x: Float32Array): number {
  const win = 640;
  let loudest = 0;
  for (const v of x) loudest = Math.max(loudest, v * v);
  const found: number[] = [];
  for (let s = 0; s + win <= x.length; s += 320) {
    let e = 0;
    for (let i = s; i < s + win; i++) e += x[i] * x[i];
    if (e / win < loudest * 0.01) continue;
    let lag = 0;
    let peak = Number.NEGATIVE_INFINITY;
    for (let l = 16000 / 500; l <= 16000 / 60; l++) {
      let r = 0;
      for (let i = s; i + l < s + win; i++) r += x[i] * x[i + l];
      if (r > peak) {
        peak = r;
        lag = l;
      }
    }
    found.push(16000 / lag);
  }
  found.sort((a, b) => a - b);
  return found[found.length >> 1];
}
