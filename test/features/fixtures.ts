import { Rng } from "../../host/data/rng";

/**
 * A deterministic test signal at 16 kHz: a 100 Hz -> 6 kHz linear chirp, two steady tones, a
 * 50 ms burst of white noise, a stretch of digital silence and low background noise, in [-1, 1].
 */
export function testSignal(seconds: number, seed = 1): number[] {
  const rate = 16000;
  const n = Math.round(seconds * rate);
  const rng = new Rng(seed);
  const out: number[] = new Array(n);
  const f0 = 100;
  const f1 = 6000;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const phase = 2 * Math.PI * (f0 * t + ((f1 - f0) * t * t) / (2 * seconds));
    let v = 0.25 * Math.sin(phase);
    v += 0.15 * Math.sin(2 * Math.PI * 440 * t) + 0.08 * Math.sin(2 * Math.PI * 2750 * t);
    v += 0.003 * (rng.next() * 2 - 1);
    if (t > 0.3 && t < 0.35) v += 0.3 * (rng.next() * 2 - 1);
    if (t > 0.6 && t < 0.65) v = 0; // digital silence: exercises the log floor
    out[i] = v;
  }
  return out;
}
