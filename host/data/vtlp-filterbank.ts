/**
 * Vocal tract length perturbation in the filter bank, Jaitly & Hinton's (2013) own form: the
 * mel filters read the unwarped power spectrum at warped frequencies, instead of the audio's
 * spectrum being warped and resynthesised (./voice-warp.ts, about half of an augmented clip's CPU).
 *
 * The audio-domain warp moves the energy at f to g(f) = vtlpFrequency(f) and stretches it over
 * g'(f) times the bandwidth, so filter m would collect sum_k F_m(g(f_k)) g'(f_k) P[k]: bin k's
 * weight in the warped bank is F_m(g(f_k)) g'(f_k). Noise and reverb mixed in later are warped
 * with the speech here (the audio form warps the speech only); for broadband noise it matters
 * little, and the held-out figures in models/README.md measure the difference.
 */
import type { FrontEndConfig } from "../../shared/features/config";
import { type MelFilterbank, melEdges, melWeight } from "../../shared/features/mel";
import { vtlpFrequency, vtlpSlope } from "./voice-warp";

/** The front end's mel filter bank read at frequencies warped by `alpha`. */
export function warpedMelFilterbank(cfg: FrontEndConfig, alpha: number): MelFilterbank {
  if (!(alpha > 0) || !Number.isFinite(alpha))
    throw new RangeError(`warpedMelFilterbank: alpha must be a positive number (got ${alpha})`);
  const { sampleRate, fftSize, nMels } = cfg;
  const edges = melEdges(nMels, cfg.fMin, cfg.fMax);
  const nBins = fftSize / 2 + 1;
  const start: number[] = [];
  const count: number[] = [];
  const offset: number[] = [];
  const weights: number[] = [];
  for (let m = 0; m < nMels; m++) {
    let first = -1;
    const row: number[] = [];
    for (let k = 0; k < nBins; k++) {
      const f = (k * sampleRate) / fftSize;
      const w = melWeight(edges, m, vtlpFrequency(f, alpha, sampleRate));
      if (w > 0) {
        if (first < 0) first = k;
        while (row.length < k - first) row.push(0);
        row.push(w * vtlpSlope(f, alpha, sampleRate));
      }
    }
    start.push(first < 0 ? 0 : first);
    count.push(row.length);
    offset.push(weights.length);
    for (const w of row) weights.push(w);
  }
  return { nMels, start, count, offset, weights };
}

/** Warp factors closer than this share one bank (the draws are continuous; the banks are not). */
export const WARP_STEP = 1e-3;

/** Warped banks of one front end, made on first use per factor (rounded to WARP_STEP). */
export class WarpedMelBanks {
  private readonly banks = new Map<number, MelFilterbank>();

  constructor(readonly config: FrontEndConfig) {}

  get(alpha: number): MelFilterbank {
    const key = Math.round(alpha / WARP_STEP);
    let bank = this.banks.get(key);
    if (!bank) {
      bank = warpedMelFilterbank(this.config, key * WARP_STEP);
      this.banks.set(key, bank);
    }
    return bank;
  }
}
