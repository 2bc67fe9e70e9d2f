/**
 * The TFLite Micro micro_speech front end's settings (its audio_preprocessor models: Signal ops
 * window, fft_auto_scale, rfft, energy, filter_bank, filter_bank_square_root,
 * filter_bank_spectral_subtraction, pcan, filter_bank_log, then int8 scaling). Integer
 * parameters are the ones those models carry in their custom options. Portable subset: the
 * device runtime reads these from a model file's front-end key/values (kind 2).
 */
import { pow2 } from "../../portable/detmath";

export interface TflmMicroConfig {
  kind: "tflm-micro";
  sampleRate: number;
  /** Window and hop in samples (30 ms and 20 ms at 16 kHz). */
  window: number;
  hop: number;
  fftSize: number;
  /** Hann window weights are scaled by 2^windowShift. */
  windowShift: number;
  channels: number;
  lowerHz: number;
  upperHz: number;
  /** Filter bank weights are scaled by 2^filterBankBits. */
  filterBankBits: number;
  smoothingBits: number;
  /** Noise estimate smoothing of even / odd channels, in units of 2^-spectralSubtractionBits. */
  evenSmoothing: number;
  oddSmoothing: number;
  minSignalRemaining: number;
  spectralSubtractionBits: number;
  pcanStrength: number;
  pcanOffset: number;
  pcanGainBits: number;
  /** log2 of the FFT size - 1 - filterBankBits / 2 (3 for 512). */
  inputCorrectionBits: number;
  /** Log output scale (2^6). */
  logOutputScale: number;
  /** int8 features = clamp((log * int8Mul + int8Add) / int8Div (truncated) + int8Zero, -128, 127). */
  int8Mul: number;
  int8Add: number;
  int8Div: number;
  int8Zero: number;
}

/**
 * The numeric fields, in the order a model file stores them (after `kind`), each with its
 * range: [name, lowest, highest, 1 when it must be an integer]. Cross-field rules are in
 * tflmMicroConfigProblem.
 */
const FIELDS: [string, number, number, number][] = [
  ["sampleRate", 1000, 192000, 1],
  ["window", 1, 4096, 1],
  ["hop", 1, 4096, 1],
  ["fftSize", 8, 4096, 1],
  ["windowShift", 0, 15, 1],
  ["channels", 1, 128, 1],
  ["lowerHz", 1, 96000, 0],
  ["upperHz", 1, 96000, 0],
  ["filterBankBits", 0, 15, 1],
  ["smoothingBits", 0, 16, 1],
  ["evenSmoothing", 0, 65536, 1],
  ["oddSmoothing", 0, 65536, 1],
  ["minSignalRemaining", 0, 65536, 1],
  ["spectralSubtractionBits", 1, 16, 1],
  ["pcanStrength", 0, 4, 0],
  ["pcanOffset", 1, 65536, 0],
  ["pcanGainBits", 12, 30, 1],
  ["inputCorrectionBits", 0, 16, 1],
  ["logOutputScale", 1, 65536, 1],
  ["int8Mul", 1, 65536, 1],
  ["int8Add", -65536, 65536, 1],
  ["int8Div", 1, 65536, 1],
  ["int8Zero", -128, 127, 1],
];

/** The numeric fields' names, in stored order. */
export const TFLM_MICRO_FIELDS: string[] = [];
for (let i = 0; i < FIELDS.length; i++) TFLM_MICRO_FIELDS.push(FIELDS[i][0]);

/**
 * What is wrong with `c` ("" when nothing): the ranges this implementation computes exactly
 * (integers below 2^53, the FFT sizes the fixed-point FFT supports, tables that exist).
 */
export function tflmMicroConfigProblem(c: TflmMicroConfig): string {
  const rec = c as unknown as { [k: string]: number };
  for (let i = 0; i < FIELDS.length; i++) {
    const f = FIELDS[i];
    const v = rec[f[0]];
    if (!(v >= f[1] && v <= f[2]) || (f[3] === 1 && v !== Math.floor(v)))
      return `${f[0]} must be ${f[3] === 1 ? "an integer " : ""}in ${f[1]}..${f[2]}`;
  }
  let p = 1;
  while (p < c.fftSize / 2) p = p * 4;
  const one = pow2(c.spectralSubtractionBits);
  if (p !== c.fftSize / 2) return "fftSize / 2 must be a power of 4 (the fixed-point FFT)";
  if (c.window > c.fftSize || c.hop > c.window) return "need hop <= window <= fftSize";
  if (c.lowerHz >= c.upperHz || c.upperHz > c.sampleRate / 2)
    return "need lowerHz < upperHz <= sampleRate / 2";
  if (c.evenSmoothing > one || c.oddSmoothing > one || c.minSignalRemaining > one)
    return "smoothings and minSignalRemaining must be at most 2^spectralSubtractionBits";
  if (c.inputCorrectionBits > c.smoothingBits || c.pcanGainBits - c.inputCorrectionBits < 12)
    return "need inputCorrectionBits <= smoothingBits and pcanGainBits - inputCorrectionBits >= 12";
  return "";
}
