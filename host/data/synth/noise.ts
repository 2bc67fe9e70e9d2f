import type { Rng } from "../rng";

/**
 * Background noise generators for `_background_noise_`: coloured noise, mains hum, and a mixer
 * that builds babble from spoken tokens. Every generator returns 16 kHz samples scaled to a
 * given RMS.
 */

const RATE = 16000;

/** Scales `x` in place to RMS `target` and returns it. */
export function setRms(x: Float32Array, target: number): Float32Array {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  const r = Math.sqrt(s / Math.max(1, x.length));
  if (r > 0) {
    const g = target / r;
    for (let i = 0; i < x.length; i++) x[i] *= g;
  }
  return x;
}

export function whiteNoise(n: number, rng: Rng, level: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.normal();
  return setRms(x, level);
}

/** 1/f noise: Paul Kellet's refined filter (within 0.05 dB of -3 dB/octave above ~10 Hz). */
export function pinkNoise(n: number, rng: Rng, level: number): Float32Array {
  const x = new Float32Array(n);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  let b3 = 0;
  let b4 = 0;
  let b5 = 0;
  let b6 = 0;
  for (let i = 0; i < n; i++) {
    const w = rng.normal();
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856;
    b4 = 0.55 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.016898;
    x[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
  }
  return setRms(x, level);
}

/** 1/f^2 noise: leaky integration of white noise (the leak keeps it from drifting off). */
export function brownNoise(n: number, rng: Rng, level: number): Float32Array {
  const x = new Float32Array(n);
  let y = 0;
  for (let i = 0; i < n; i++) {
    y = 0.998 * y + 0.05 * rng.normal();
    x[i] = y;
  }
  // Remove the residual DC so the RMS measures the noise, not an offset.
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= Math.max(1, n);
  for (let i = 0; i < n; i++) x[i] -= mean;
  return setRms(x, level);
}

/**
 * Mains hum: the line frequency and its harmonics (odd ones stronger, as from transformer
 * saturation), a slow frequency wander, and a faint hiss.
 */
export function mainsHum(n: number, lineHz: number, rng: Rng, level: number): Float32Array {
  const x = new Float32Array(n);
  const harmonics = 12;
  const amps: number[] = [];
  const phases: number[] = [];
  for (let h = 1; h <= harmonics; h++) {
    amps.push((h % 2 === 1 ? 1 : 0.35) * h ** -0.9 * rng.uniform(0.6, 1.4));
    phases.push(rng.uniform(0, 2 * Math.PI));
  }
  const wanderHz = rng.uniform(0.05, 0.2);
  const wanderPhase = rng.uniform(0, 2 * Math.PI);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const f = lineHz * (1 + 0.002 * Math.sin((2 * Math.PI * wanderHz * i) / RATE + wanderPhase));
    phase += (2 * Math.PI * f) / RATE;
    let v = 0;
    for (let h = 0; h < harmonics; h++) v += amps[h] * Math.sin((h + 1) * phase + phases[h]);
    x[i] = v + 0.02 * rng.normal();
  }
  return setRms(x, level);
}

/**
 * Babble: `talkers` overlapping streams, each a run of spoken tokens with short random gaps,
 * every token at its own random gain. Tokens are 16 kHz word recordings (reused freely).
 */
export function babble(
  n: number,
  tokens: readonly Float32Array[],
  talkers: number,
  rng: Rng,
  level: number,
): Float32Array {
  if (tokens.length === 0) throw new Error("babble: no tokens");
  const x = new Float32Array(n);
  for (let t = 0; t < talkers; t++) {
    let pos = rng.int(RATE);
    while (pos < n) {
      const tok = rng.pick(tokens);
      const g = 10 ** (rng.uniform(-8, 0) / 20);
      const end = Math.min(n, pos + tok.length);
      for (let i = pos; i < end; i++) x[i] += g * tok[i - pos];
      pos = end + Math.floor(rng.uniform(0.03, 0.35) * RATE);
    }
  }
  return setRms(x, level);
}
