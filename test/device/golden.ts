/**
 * Golden vectors for device parity, from the host side only: batch features of the whole clip
 * (shared/features extractFeatures), the host integer evaluator (host/compress/int-eval.ts) on
 * every window the stream will infer on, and detection events from a plain re-statement of the
 * smoothing / threshold / suppression rules. Nothing here runs device/ code.
 */

import type { EngineEvent, EngineResult, EngineTrace } from "../../device/engines/protocol";
import { frontEndFromKeyValues } from "../../device/runtime/frontend-config";
import { IntEvaluator } from "../../host/compress/int-eval";
import { Rng } from "../../host/data/rng";
import { extractFeatures } from "../../shared/features/frontend";
import { normalizeFrames, readInputNorm } from "../../shared/features/input-norm";
import { type DeviceModel, OP_SOFTMAX } from "../../shared/model-format/types";

export interface StreamSettings {
  threshold: number;
  smoothingWindow: number;
  strideFrames: number;
  suppressionMs: number;
}

/** A deterministic test signal: a gliding tone over noise, int16. */
export function testSignal(seed: number, n: number): Int16Array {
  const rng = new Rng(seed);
  const out = new Int16Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    phase += (2 * Math.PI * (300 + (2000 * i) / n)) / 16000;
    const v = 6000 * Math.sin(phase) + 3000 * rng.normal();
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return out;
}

export type Golden = Omit<
  EngineResult,
  "arenaPeakBytes" | "intMacs" | "binMacs" | "serving" | "stats"
> & {
  /** Smoothed score of the best keyword at each inference. */
  bestScores: number[];
};

export function goldenStream(model: DeviceModel, samples: Int16Array, s: StreamSettings): Golden {
  const cfg = frontEndFromKeyValues(model.frontEnd);
  const floats = Float64Array.from(samples, (v) => v / 32768);
  const feats = extractFeatures(floats, cfg);
  const norm = readInputNorm(model.meta, feats.coeffs);
  if (norm !== null) normalizeFrames(feats.data, 0, feats.frames, feats.coeffs, norm);
  const ev = new IntEvaluator(model);
  const frames = model.tensors[model.input].shape[0];
  const c = feats.coeffs;
  const hop = (cfg.hopMs * cfg.sampleRate) / 1000;
  const win = (cfg.windowMs * cfg.sampleRate) / 1000;
  const last = model.ops[model.ops.length - 1];
  const softmaxOut = last.code === OP_SOFTMAX && last.outputs[0] === model.output;
  const out = model.tensors[model.output];
  const zp = softmaxOut ? 0 : out.zeroPoint;
  const scale = softmaxOut ? 1 / 32768 : out.scales[0];
  const traces: EngineTrace[] = [];
  const scores: number[][] = [];
  const times: number[] = [];
  for (let f = frames - 1; f < feats.frames; f += s.strideFrames) {
    const window = feats.data.slice((f - frames + 1) * c, (f + 1) * c);
    const r = ev.run(window, true);
    const t = Math.floor(((f * hop + win) * 1000) / cfg.sampleRate);
    traces.push({ t, window, layers: r.layers.map((l) => l.values) });
    scores.push(r.output.map((v) => v - zp));
    times.push(t);
  }
  // Moving average over the last `smoothingWindow` inferences, best non-"_" label, threshold,
  // suppression.
  const events: EngineEvent[] = [];
  const bestScores: number[] = [];
  let lastFire: number | null = null;
  for (let i = 0; i < scores.length; i++) {
    const from = Math.max(0, i - s.smoothingWindow + 1);
    const size = i - from + 1;
    let best = -1;
    let bestScore = 0;
    let bestSum = 0;
    for (let k = 0; k < model.labels.length; k++) {
      if (model.labels[k].startsWith("_")) continue;
      let sum = 0;
      for (let j = from; j <= i; j++) sum += scores[j][k];
      const score = (sum * scale) / size;
      if (best < 0 || score > bestScore) [best, bestScore, bestSum] = [k, score, sum];
    }
    const t = times[i];
    bestScores.push(bestScore);
    if (best < 0 || bestScore < s.threshold) continue;
    if (lastFire !== null && t - lastFire < s.suppressionMs) continue;
    lastFire = t;
    events.push({ t, classIndex: best, rawSum: bestSum, window: size });
  }
  return { scores, times, events, traces, bestScores };
}

/** The parity tests' stream settings: a 12-frame window at stride 2, short suppression. */
export const PARITY_SETTINGS: StreamSettings = {
  threshold: 0,
  smoothingWindow: 3,
  strideFrames: 2,
  suppressionMs: 60,
};

/** PARITY_SETTINGS with the threshold at the median best smoothed score: some inferences fire. */
export function firingSettings(model: DeviceModel, samples: Int16Array): StreamSettings {
  const scores = goldenStream(model, samples, PARITY_SETTINGS)
    .bestScores.slice()
    .sort((a, b) => a - b);
  return { ...PARITY_SETTINGS, threshold: scores[Math.floor(scores.length / 2)] };
}
