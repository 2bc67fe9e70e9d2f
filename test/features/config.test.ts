import { describe, expect, it } from "vitest";
import {
  coeffCount,
  type FrontEndConfig,
  FrontEndConfigError,
  frameCount,
  LFBE_25_10_20,
  MFCC_30_10_40,
  PRESETS,
  validateConfig,
} from "../../shared/features";

describe("front-end config", () => {
  it("presets are valid, plain JSON and say what they are", () => {
    for (const [name, cfg] of Object.entries(PRESETS)) {
      expect(validateConfig(cfg), name).toBe(cfg);
      expect(JSON.parse(JSON.stringify(cfg))).toEqual(cfg);
    }
    expect(coeffCount(MFCC_30_10_40)).toBe(40);
    expect(coeffCount(LFBE_25_10_20)).toBe(20);
  });

  it.each([
    [16000, MFCC_30_10_40, 98],
    [16000, LFBE_25_10_20, 98],
    [479, MFCC_30_10_40, 0],
    [480, MFCC_30_10_40, 1],
    [639, MFCC_30_10_40, 1],
    [640, MFCC_30_10_40, 2],
    [0, MFCC_30_10_40, 0],
    [13000, MFCC_30_10_40, 79],
  ])("frameCount(%i samples) = %i", (n, cfg, want) => {
    expect(frameCount(n, cfg)).toBe(want);
  });

  const bad: [string, Partial<FrontEndConfig>, string][] = [
    ["kind", { kind: "mel" as "mfcc" }, "kind"],
    ["window not whole samples", { windowMs: 30.01 }, "windowMs"],
    ["negative hop", { hopMs: -10 }, "hopMs"],
    ["hop above window", { hopMs: 40 }, "hopMs"],
    ["fft not power of two", { fftSize: 500 }, "fftSize"],
    ["fft below window", { fftSize: 256 }, "fftSize"],
    ["fMax above Nyquist", { fMax: 9000 }, "fMax"],
    ["fMin above fMax", { fMin: 5000 }, "fMax"],
    ["more MFCCs than filters", { nCoeffs: 41 }, "nCoeffs"],
    ["lfbe needs nCoeffs = nMels", { kind: "lfbe", nCoeffs: 13 }, "nCoeffs"],
    ["zero log floor", { logFloor: 0 }, "logFloor"],
    ["empty mel filter", { nMels: 128 }, "nMels"],
    ["NaN sample rate", { sampleRate: Number.NaN }, "sampleRate"],
  ];
  it.each(bad)("rejects %s", (_, patch, field) => {
    const cfg = { ...MFCC_30_10_40, ...patch } as FrontEndConfig;
    let err: unknown;
    try {
      validateConfig(cfg);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FrontEndConfigError);
    const e = err as FrontEndConfigError;
    expect(e.field).toBe(field);
    expect(e.message).toContain(field);
    expect((e as unknown as { expected: boolean }).expected).toBe(true);
  });
});
