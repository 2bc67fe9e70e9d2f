import { FrontEnd, type FrontEndConfig, type SampleSource } from "../../shared/features";

/** Every stage of the front end on one clip, for plots and inspection. Matrices are row-major. */
export interface ClipAnalysis {
  config: FrontEndConfig;
  sampleRate: number;
  samples: number;
  frames: number;
  /** Power spectrum per frame in dB (10 log10 max(P, 1e-12)), frames x bins. */
  spectrogramDb: number[][];
  /** Bin centre frequencies, Hz. */
  binHz: number[];
  /** Mean power over frames per bin, dB: the clip's spectrum. */
  meanSpectrumDb: number[];
  /** Log mel energies (natural log, floored) per frame, frames x nMels. */
  melLog: number[][];
  /** The output features (MFCC or LFBE) per frame, frames x coeffs. */
  features: number[][];
}

const DB_FLOOR = 1e-12;

function db(p: number): number {
  return 10 * Math.log10(Math.max(p, DB_FLOOR));
}

/** Runs the shared front end frame by frame and keeps each stage's output. */
export function analyzeClip(samples: SampleSource, cfg: FrontEndConfig): ClipAnalysis {
  const fe = new FrontEnd(cfg);
  const frames = fe.frameCount(samples.length);
  const nBins = cfg.fftSize / 2 + 1;
  const binHz = Array.from({ length: nBins }, (_, k) => (k * cfg.sampleRate) / cfg.fftSize);
  const meanPower = new Array<number>(nBins).fill(0);
  const spectrogramDb: number[][] = [];
  const melLog: number[][] = [];
  const features: number[][] = [];
  const out = new Array<number>(fe.coeffs).fill(0);
  const src = samples as unknown as number[]; // computeFrame only indexes it
  for (let t = 0; t < frames; t++) {
    fe.computeFrame(src, t * fe.hopLength, out, 0);
    spectrogramDb.push(fe.power.map(db));
    for (let k = 0; k < nBins; k++) meanPower[k] += fe.power[k] / frames;
    melLog.push(fe.melLog.slice());
    features.push(out.slice());
  }
  return {
    config: cfg,
    sampleRate: cfg.sampleRate,
    samples: samples.length,
    frames,
    spectrogramDb,
    binHz,
    meanSpectrumDb: meanPower.map(db),
    melLog,
    features,
  };
}
