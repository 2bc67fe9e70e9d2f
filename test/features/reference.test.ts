import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readWav } from "../../host/data/wav/read";
import {
  extractFeatures,
  type FrontEndConfig,
  LFBE_25_10_20,
  MFCC_30_10_10,
  MFCC_30_10_40,
} from "../../shared/features";
import { NEEDS_SPEECH, SPEECH_DIR } from "../speech-data";
import { testSignal } from "./fixtures";
import { type NumpyResult, numpyFeaturesMany } from "./numpy";

/**
 * Parity with the independent NumPy implementation (reference_mfcc.py). Both compute the same
 * definition in float64 by different algorithms (numpy's pocketfft and libm vs earshot's radix-2
 * FFT and detmath); measured differences are ~2e-13, so 1e-9 leaves room for other libms while
 * still catching any change of definition (window, bins, mel edges, floor, DCT scaling).
 */
const TOLERANCE = 1e-9;

const yesDir = path.resolve(SPEECH_DIR, "sc-v2-test/yes");

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function compare(samples: ArrayLike<number>, cfg: FrontEndConfig, ref: NumpyResult): void {
  const ours = extractFeatures(samples, cfg);
  expect([ours.frames, ours.coeffs]).toEqual([ref.frames, ref.coeffs]);
  expect(ours.data.length).toBe(ref.data.length);
  expect(maxAbsDiff(ours.data, ref.data)).toBeLessThan(TOLERANCE);
}

describe("front end vs NumPy reference", () => {
  const signal = testSignal(1.5, 3);
  const configs: [string, FrontEndConfig][] = [
    ["MFCC_30_10_40", MFCC_30_10_40],
    ["MFCC_30_10_10", MFCC_30_10_10],
    ["LFBE_25_10_20", LFBE_25_10_20],
    [
      "MFCC 25/10, 64 mels 0-8000 Hz, 1024-point FFT, 13 coeffs",
      {
        ...MFCC_30_10_40,
        windowMs: 25,
        fftSize: 1024,
        nMels: 64,
        fMin: 0,
        fMax: 8000,
        nCoeffs: 13,
        logFloor: 1e-6,
      },
    ],
  ];

  // One Python process for every case (numpy's import dominates a single run).
  const yesFile = existsSync(yesDir)
    ? readdirSync(yesDir)
        .filter((f) => f.endsWith(".wav"))
        .sort()[0]
    : undefined;
  const clip = yesFile ? readWav(path.join(yesDir, yesFile)).samples : undefined;
  const jobs = configs.map(([, config]) => ({ samples: signal as ArrayLike<number>, config }));
  if (clip) {
    jobs.push({ samples: clip, config: MFCC_30_10_40 });
    jobs.push({ samples: clip, config: LFBE_25_10_20 });
  }
  let refs: NumpyResult[] = [];
  beforeAll(() => {
    refs = numpyFeaturesMany(jobs);
  });

  it.each(
    configs.map(([name, cfg], i) => [name, cfg, i] as const),
  )("generated chirp/tones/noise, %s", (_, cfg, i) => compare(signal, cfg, refs[i]));

  it.skipIf(!clip)(`a real Speech Commands 'yes' clip ${NEEDS_SPEECH}`, () => {
    if (!clip) throw new Error("unreachable: skipped without the clip");
    compare(clip, MFCC_30_10_40, refs[configs.length]);
    compare(clip, LFBE_25_10_20, refs[configs.length + 1]);
  });
});
