/**
 * Triangular mel filterbank on the bins of a real FFT (HTK mel scale, unnormalized triangles of
 * height 1, built in Hz like librosa's `htk=True, norm=None`):
 *   mel(f) = 1127 ln(1 + f / 700),  hz(m) = 700 (e^{m / 1127} - 1)
 *   edges f_i = hz(mel(fMin) + i (mel(fMax) - mel(fMin)) / (nMels + 1)),  i = 0..nMels+1
 *   bin k has frequency k * sampleRate / fftSize, k = 0..fftSize/2
 *   weight of bin k in filter m = max(0, min((f_k - f_m) / (f_{m+1} - f_m),
 *                                            (f_{m+2} - f_k) / (f_{m+2} - f_{m+1})))
 * Stored sparsely: filter m covers bins start[m] .. start[m] + count[m] - 1 with weights
 * weights[offset[m] ..]. Built with detmath, so every engine gets the same bits.
 */

import { zeros } from "../portable/arrays";
import { exp, log } from "../portable/detmath";

export interface MelFilterbank {
  nMels: number;
  /** First FFT bin of each filter. */
  start: number[];
  /** Bins covered by each filter (all weights > 0). */
  count: number[];
  /** Offset of each filter's first weight in `weights`. */
  offset: number[];
  weights: number[];
}

export function hzToMel(f: number): number {
  return 1127 * log(1 + f / 700);
}

export function melToHz(m: number): number {
  return 700 * (exp(m / 1127) - 1);
}

/** The nMels + 2 filter edge frequencies f_0 .. f_{nMels+1}, Hz. */
export function melEdges(nMels: number, fMin: number, fMax: number): number[] {
  const lo = hzToMel(fMin);
  const hi = hzToMel(fMax);
  const edges = zeros(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) edges[i] = melToHz(lo + (i * (hi - lo)) / (nMels + 1));
  edges[0] = fMin;
  edges[nMels + 1] = fMax;
  return edges;
}

/** Weight of frequency `f` Hz in filter `m` (edges from melEdges). */
export function melWeight(edges: number[], m: number, f: number): number {
  const lower = (f - edges[m]) / (edges[m + 1] - edges[m]);
  const upper = (edges[m + 2] - f) / (edges[m + 2] - edges[m + 1]);
  const w = lower < upper ? lower : upper;
  return w > 0 ? w : 0;
}

/** Builds the sparse filterbank; a filter covering no bin gets count 0. */
export function buildMelFilterbank(
  sampleRate: number,
  fftSize: number,
  nMels: number,
  fMin: number,
  fMax: number,
  alloc: (n: number) => number[] = zeros,
): MelFilterbank {
  const edges = melEdges(nMels, fMin, fMax);
  const nBins = fftSize / 2 + 1;
  const start = alloc(nMels);
  const count = alloc(nMels);
  const offset = alloc(nMels);
  let total = 0;
  for (let m = 0; m < nMels; m++) {
    let first = -1;
    let last = -1;
    for (let k = 0; k < nBins; k++) {
      if (melWeight(edges, m, (k * sampleRate) / fftSize) > 0) {
        if (first < 0) first = k;
        last = k;
      }
    }
    start[m] = first < 0 ? 0 : first;
    count[m] = first < 0 ? 0 : last - first + 1;
    offset[m] = total;
    total += count[m];
  }
  const weights = alloc(total);
  for (let m = 0; m < nMels; m++) {
    for (let j = 0; j < count[m]; j++) {
      weights[offset[m] + j] = melWeight(edges, m, ((start[m] + j) * sampleRate) / fftSize);
    }
  }
  return { nMels, start, count, offset, weights };
}

/** Index of the first filter that covers no FFT bin, or -1 when every filter has weight. */
export function emptyMelFilter(
  sampleRate: number,
  fftSize: number,
  nMels: number,
  fMin: number,
  fMax: number,
): number {
  const fb = buildMelFilterbank(sampleRate, fftSize, nMels, fMin, fMax);
  for (let m = 0; m < nMels; m++) if (fb.count[m] === 0) return m;
  return -1;
}
