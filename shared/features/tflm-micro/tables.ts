/**
 * Constant tables of the TFLM micro front end, computed as TFLM's Python/C populate them
 * (single-precision where the C uses float): Hann window, mel filter bank weights and their
 * index tables, the PCAN gain lookup table and the log2 correction table.
 */
import type { TflmMicroConfig } from "./config";

const f32 = Math.fround;

/** Hann window sampled at bin centres, w[i] = 0.5 - 0.5 cos(2 pi (i + 0.5) / N), round(w * 2^shift). */
export function windowWeights(c: TflmMicroConfig): number[] {
  const out: number[] = [];
  for (let i = 0; i < c.window; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / c.window);
    out.push(Math.round(w * 2 ** c.windowShift));
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
  return f32(1127.0 * Math.log1p(f / 700.0));
}

/**
 * TFLM's filterbank population: channels padded to blocks of 4 FFT bins, aligned to 2; weights
 * truncated to Q12 (as the Signal library's tables are: the micro_speech preprocessor's match).
 */
export function filterBankTables(c: TflmMicroConfig): FilterBankTables {
  const n1 = c.channels + 1;
  const spectrum = c.fftSize / 2 + 1;
  const melLow = freqToMel(c.lowerHz);
  const melHi = freqToMel(c.upperHz);
  const spacing = f32(f32(melHi - melLow) / n1);
  const centers: number[] = [];
  for (let i = 0; i < n1; i++) centers.push(f32(melLow + f32(spacing * (i + 1))));
  const hzPerBin = f32((0.5 * c.sampleRate) / (spectrum - 1));
  const startIndex = Math.floor(1.5 + c.lowerHz / hzPerBin);
  const frequencyStarts: number[] = [];
  const weightStarts: number[] = [];
  const widths: number[] = [];
  const actualStarts: number[] = [];
  const actualWidths: number[] = [];
  let chanStart = startIndex;
  let weightIndex = 0;
  let needsZeros = false;
  for (let ch = 0; ch < n1; ch++) {
    let f = chanStart;
    while (freqToMel(f32(f * hzPerBin)) <= centers[ch]) f++;
    const width = f - chanStart;
    actualStarts.push(chanStart);
    actualWidths.push(width);
    if (width === 0) {
      frequencyStarts.push(0);
      weightStarts.push(0);
      widths.push(4);
      if (!needsZeros) {
        needsZeros = true;
        for (let j = 0; j < ch; j++) weightStarts[j] += 4;
        weightIndex += 4;
      }
    } else {
      const aligned = Math.floor(chanStart / 2) * 2;
      const alignedWidth = chanStart - aligned + width;
      const padded = (Math.floor((alignedWidth - 1) / 4) + 1) * 4;
      frequencyStarts.push(aligned);
      weightStarts.push(weightIndex);
      widths.push(padded);
      weightIndex += padded;
    }
    chanStart = f;
  }
  const weights = new Array<number>(weightIndex).fill(0);
  const unweights = new Array<number>(weightIndex).fill(0);
  let endIndex = 0;
  for (let ch = 0; ch < n1; ch++) {
    let f = actualStarts[ch];
    const offset = f - frequencyStarts[ch];
    const denom = ch === 0 ? melLow : centers[ch - 1];
    for (let j = 0; j < actualWidths[ch]; j++, f++) {
      const w = f32(f32(centers[ch] - freqToMel(f32(f * hzPerBin))) / f32(centers[ch] - denom));
      const at = weightStarts[ch] + offset + j;
      weights[at] = Math.floor(w * 2 ** c.filterBankBits);
      unweights[at] = Math.floor((1 - w) * 2 ** c.filterBankBits);
    }
    if (f > endIndex) endIndex = f;
  }
  return { weights, unweights, frequencyStarts, weightStarts, widths, startIndex, endIndex };
}

/** PCAN gain table: 2 entries, then (y0, a1, a2, 0) per interval 2..32 (125 values). */
export function pcanGainLut(c: TflmMicroConfig): number[] {
  const inputBits = c.smoothingBits - c.inputCorrectionBits;
  const gain = (x: number): number => {
    const xf = f32(x / 2 ** inputBits);
    const g = f32(2 ** c.pcanGainBits * f32(f32(xf + c.pcanOffset) ** -c.pcanStrength));
    if (g > 32767) return 32767;
    return Math.trunc(f32(g + 0.5));
  };
  const lut = new Array<number>(4 * 32 - 3).fill(0);
  lut[0] = gain(0);
  lut[1] = gain(1);
  for (let interval = 2; interval <= 32; interval++) {
    const x0 = 2 ** (interval - 1);
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
export function logLut(): number[] {
  const out: number[] = [];
  for (let i = 0; i <= 128; i++) out.push(Math.round(65536 * (Math.log2(1 + i / 128) - i / 128)));
  return out;
}
