/**
 * The trainer's features through the device's C front end (host/native/front-end.ts, the native
 * addon's frontEndCreate / frontEndExtract): bit for bit what the TS FrontEnd gives, for MFCC and
 * LFBE front ends and a vocal-tract-warped mel bank, on constructed signals and real clips; FeatureCache uses it; bad arguments are refused; without the addon callers keep the
 * TS front end.
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WarpedMelBanks } from "../../host/data/vtlp-filterbank";
import { readWav } from "../../host/data/wav/read";
import { NativeFeatures } from "../../host/native/front-end";
import { loadNative } from "../../host/native/load";
import { FeatureCache } from "../../host/train/features";
import { LFBE_25_10_20, MFCC_30_10_40 } from "../../shared/features/config";
import { FrontEnd } from "../../shared/features/frontend";
import { haveSpeech, NEEDS_SPEECH, SPEECH_DIR } from "../speech-data";

const REPO = join(import.meta.dirname, "..", "..");
// Cached after the first build; exits 0 (and these tests skip) without a compiler.
execFileSync(join(REPO, "deploy", "native.sh"), { stdio: "pipe" });
const status = loadNative();
const addon = status.addon;
if (addon === null) console.warn(`native front-end tests SKIPPED: ${status.reason}`);

/** Constructed signals: a chirp over faint noise, a voiced-like harmonic tone, silence, short. */
function signals(): Float32Array[] {
  const chirp = new Float32Array(16000);
  let seed = 1;
  for (let i = 0; i < chirp.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    chirp[i] = 0.6 * Math.sin(i * i * 2e-5) + (seed / 2 ** 32 - 0.5) * 1e-3;
  }
  const voiced = Float32Array.from({ length: 16000 }, (_, i) => {
    const env = Math.sin((Math.PI * i) / 16000) ** 2;
    let v = 0;
    for (let h = 1; h <= 12; h++) v += Math.sin((2 * Math.PI * 130 * h * i) / 16000) / h;
    return 0.2 * env * v;
  });
  return [
    chirp,
    voiced,
    new Float32Array(12345), // digital silence, an odd length
    Float32Array.from({ length: 300 }, (_, i) => Math.sin(i)), // shorter than a window
  ];
}

/** Real clips beside the repository, a few per word. */
function realClips(): Float32Array[] {
  const out: Float32Array[] = [];
  for (const word of ["yes", "no", "left"]) {
    const dir = join(SPEECH_DIR, "sc-v2-test", word);
    for (const f of readdirSync(dir).slice(0, 4))
      out.push(Float32Array.from(readWav(join(dir, f)).samples));
  }
  return out;
}

const same = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe.skipIf(addon === null)("native front end", () => {
  it.each([
    ["MFCC 30/10 ms, 40 coefficients", MFCC_30_10_40],
    ["LFBE 25/10 ms, 20 bands", LFBE_25_10_20],
  ])("%s: the TS front end's features bit for bit", (_name, cfg) => {
    const fe = new FrontEnd(cfg);
    const native = NativeFeatures.of(fe, addon) as NativeFeatures;
    for (const s of signals()) {
      const want = Float32Array.from(fe.extract(s).data);
      const got = native.extract(s);
      expect(same(got, want), `${s.length} samples`).toBe(true);
    }
  });

  it.skipIf(!haveSpeech)(`real clips, MFCC: bit for bit ${NEEDS_SPEECH}`, () => {
    const fe = new FrontEnd(MFCC_30_10_40);
    const native = NativeFeatures.of(fe, addon) as NativeFeatures;
    const clips = realClips();
    expect(clips.length).toBe(12);
    for (const s of clips)
      expect(same(native.extract(s), Float32Array.from(fe.extract(s).data))).toBe(true);
  });

  it("FeatureCache computes plain and warped-bank features as the TS front end does", () => {
    const cache = new FeatureCache(MFCC_30_10_40, null);
    const fe = new FrontEnd(MFCC_30_10_40);
    const banks = new WarpedMelBanks(MFCC_30_10_40);
    for (const s of signals().slice(0, 2)) {
      expect(same(cache.compute(s), Float32Array.from(fe.extract(s).data))).toBe(true);
      for (const alpha of [0.91, 1.08]) {
        const plain = fe.mel;
        fe.mel = banks.get(alpha);
        const want = Float32Array.from(fe.extract(s).data);
        fe.mel = plain;
        const got = cache.compute(s, alpha);
        expect(same(got, want), `warp ${alpha}`).toBe(true);
        // The warp changes the features (the bank reached the C front end).
        expect(same(got, cache.compute(s))).toBe(false);
      }
    }
  });

  it("refuses a table of the wrong length and frames beyond the samples", () => {
    const fe = new FrontEnd(MFCC_30_10_40);
    const native = NativeFeatures.of(fe, addon) as NativeFeatures;
    expect(() =>
      addon?.frontEndCreate(
        Int32Array.from([480, 160, 40, 40, 512, 0]),
        1e-6,
        new Float64Array(479),
        new Int32Array(256),
        new Float64Array(128),
        new Float64Array(128),
        new Float64Array(257),
        new Float64Array(257),
        new Int32Array(40),
        new Int32Array(40),
        new Int32Array(40),
        new Float64Array(10),
        new Float64Array(1600),
      ),
    ).toThrow(/window holds 479 values, expected 480/);
    const handle = (native as unknown as { handle: object }).handle;
    expect(() =>
      addon?.frontEndExtract(handle, new Float32Array(1000), 10, new Float32Array(400)),
    ).toThrow(/frames beyond samples or out/);
    expect(() =>
      addon?.frontEndExtract({}, new Float32Array(1000), 1, new Float32Array(40)),
    ).toThrow(/frontEndExtract\(fe, samples, frames, out\)/);
  });
});

describe("without the addon", () => {
  it("NativeFeatures.of gives null, and callers keep the TS front end", () => {
    expect(NativeFeatures.of(new FrontEnd(MFCC_30_10_40), null)).toBeNull();
  });
});
