/**
 * Constant tables of the TFLM micro front end, computed as TFLM's Python/C populate them
 * (single-precision where the C uses float): Hann window, mel filter bank weights and their
 * index tables, the PCAN gain lookup table and the log2 correction table. Portable subset:
 * cos/log/exp come from shared/portable/detmath and float32 rounding from its `fround`, so
 * every engine computes the same tables (test/interop/tflm-peer.test.ts checks them against
 * the constants inside TFLM's audio preprocessor model).
 */
import { zeros } from "../../portable/arrays";
import { cospi, exp, fround, log, pow2 } from "../../portable/detmath";
import type { TflmMicroConfig } from "./config";

/** Where tables live (plain arrays by default; the device runtime passes its scratch memory). */
export type Allocator = (n: number) => number[];

/** log(1 + x) to full precision for x >= 0 (the 1 + x rounding error corrected). */
function log1p(x: number): number {
  const u = 1 + x;
  if (u === 1) return x;
  return (log(u) * x) / (u - 1);
}

/** Hann window sampled at bin centres, w[i] = 0.5 - 0.5 cos(2 pi (i + 0.5) / N), round(w * 2^shift). */
export function windowWeights(c: TflmMicroConfig, alloc: Allocator = zeros): number[] {
  const out = alloc(c.window);
  const scale = pow2(c.windowShift);
  for (let i = 0; i < c.window; i++) {
    const w = 0.5 - 0.5 * cospi((2 * i + 1) / c.window);
    out[i] = Math.floor(w * scale + 0.5);
  }
  return out;
}

export interface FilterBankTables {
  weights: number[];
  unweights: number[];
  /** Per channel (channels + 1, the first only feeds channel 0's rising edge). */
  frequencyStarts: number[];
  weightStarts: number[];
  widths: number[];
  startIndex: number;
  endIndex: number;
}

function freqToMel(f: number): number {
  return fround(1127 * log1p(f / 700));
}

/**
 * TFLM's filterbank population: channels padded to blocks of 4 FFT bins, aligned to 2; weights
 * truncated to Q12 (as the Signal library's tables are: the micro_speech preprocessor's match).
 */
export function filterBankTables(c: TflmMicroConfig, alloc: Allocator = zeros): FilterBankTables {
  const n1 = c.channels + 1;
  const spectrum = c.fftSize / 2 + 1;
  const melLow = freqToMel(c.lowerHz);
  const melHi = freqToMel(c.upperHz);
  const spacing = fround(fround(melHi - melLow) / n1);
  const centers = zeros(n1);
  for (let i = 0; i < n1; i++) centers[i] = fround(melLow + fround(spacing * (i + 1)));
  const hzPerBin = fround((0.5 * c.sampleRate) / (spectrum - 1));
  const startIndex = Math.floor(1.5 + c.lowerHz / hzPerBin);
  const frequencyStarts = alloc(n1);
  const weightStarts = alloc(n1);
  const widths = alloc(n1);
  const actualStarts = zeros(n1);
  const actualWidths = zeros(n1);
  let chanStart = startIndex;
  let weightIndex = 0;
  let needsZeros = false;
  for (let ch = 0; ch < n1; ch++) {
    let f = chanStart;
    while (f < spectrum && freqToMel(fround(f * hzPerBin)) <= centers[ch]) f++;
    const width = f - chanStart;
    actualStarts[ch] = chanStart;
    actualWidths[ch] = width;
    if (width === 0) {
      frequencyStarts[ch] = 0;
      weightStarts[ch] = 0;
      widths[ch] = 4;
      if (!needsZeros) {
        needsZeros = true;
        for (let j = 0; j < ch; j++) weightStarts[j] += 4;
        weightIndex += 4;
      }
    } else {
      const aligned = Math.floor(chanStart / 2) * 2;
      const alignedWidth = chanStart - aligned + width;
      const padded = (Math.floor((alignedWidth - 1) / 4) + 1) * 4;
      frequencyStarts[ch] = aligned;
      weightStarts[ch] = weightIndex;
      widths[ch] = padded;
      weightIndex += padded;
    }
    chanStart = f;
  }
  const weights = alloc(weightIndex);
  const unweights = alloc(weightIndex);
  const scale = pow2(c.filterBankBits);
  let endIndex = 0;
  for (let ch = 0; ch < n1; ch++) {
    let f = actualStarts[ch];
    const offset = f - frequencyStarts[ch];
    const denom = ch === 0 ? melLow : centers[ch - 1];
    for (let j = 0; j < actualWidths[ch]; j++) {
      const w = fround(
        fround(centers[ch] - freqToMel(fround(f * hzPerBin))) / fround(centers[ch] - denom),
      );
      const at = weightStarts[ch] + offset + j;
      weights[at] = Math.floor(w * scale);
      unweights[at] = Math.floor((1 - w) * scale);
      f++;
    }
    if (f > endIndex) endIndex = f;
  }
  return { weights, unweights, frequencyStarts, weightStarts, widths, startIndex, endIndex };
}

/** PCAN gain table: 2 entries, then (y0, a1, a2, 0) per interval 2..32 (125 values). */
export function pcanGainLut(c: TflmMicroConfig, alloc: Allocator = zeros): number[] {
  const inputScale = pow2(-(c.smoothingBits - c.inputCorrectionBits));
  const gainScale = pow2(c.pcanGainBits);
  const gain = (x: number): number => {
    const xf = fround(x * inputScale);
    // powf(xf + offset, -strength), as exp(-strength * log(.)) in double, then to float.
    const g = fround(gainScale * fround(exp(-c.pcanStrength * log(fround(xf + c.pcanOffset)))));
    if (g > 32767) return 32767;
    return Math.floor(fround(g + 0.5)); // C's (int16)(g + 0.5f), g >= 0
  };
  const lut = alloc(4 * 32 - 3);
  lut[0] = gain(0);
  lut[1] = gain(1);
  for (let interval = 2; interval <= 32; interval++) {
    const x0 = pow2(interval - 1);
    const x1 = x0 + Math.floor(x0 / 2);
    const x2 = interval === 32 ? x0 + (x0 - 1) : 2 * x0;
    const y0 = gain(x0);
    const y1 = gain(x1);
    const y2 = gain(x2);
    const a1 = 4 * (y1 - y0) - (y2 - y0);
    const a2 = y2 - y0 - a1;
    const at = 4 * interval - 6;
    lut[at] = y0;
    lut[at + 1] = a1;
    lut[at + 2] = a2;
  }
  return lut;
}

/** log2(1 + i/128) - i/128 in Q16, i = 0..128 (the log's piecewise-linear correction). */
export function logLut(alloc: Allocator = zeros): number[] {
  const out = alloc(129);
  const ln2 = log(2);
  for (let i = 0; i <= 128; i++) {
    const v = 65536 * (log1p(i / 128) / ln2 - i / 128);
    // Math.round: half up (values here are of either sign).
    out[i] = Math.floor(v + 0.5);
  }
  return out;
}
