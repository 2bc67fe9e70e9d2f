/**
 * The vocal tract warp's phase vocoder in the native addon (host/native/c/vtlp.c, fft.js's
 * transforms and fast-trig transcribed) gives the TS warp's float32 output bit for bit: warp
 * factors below, at and above 1, constructed signals (silence, a clip shorter than one FFT
 * frame, odd lengths) and real clips; malformed arguments are refused.
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { vtlpWarp } from "../../host/data/voice-warp";
import { padOrTrim, readWav } from "../../host/data/wav/read";
import { loadNative } from "../../host/native/load";
import { haveSpeech, NEEDS_SPEECH, SPEECH_DIR } from "../speech-data";

const REPO = join(import.meta.dirname, "..", "..");
// Cached after the first build; exits 0 (and these tests skip) without a compiler.
execFileSync(join(REPO, "deploy", "native.sh"), { stdio: "pipe" });
const status = loadNative();
const addon = status.addon;
if (addon === null) console.warn(`native warp tests SKIPPED: ${status.reason}`);

const ALPHAS = [0.9, 0.97, 1, 1.05, 1.1];

function signals(): Float32Array[] {
  let s = 3;
  const noisy = Float32Array.from({ length: 16000 }, (_, i) => {
    s = (s * 1103515245 + 12345) >>> 0;
    const env = Math.sin((Math.PI * i) / 16000) ** 2;
    let v = 0;
    for (let h = 1; h <= 10; h++) v += Math.sin((2 * Math.PI * 140 * h * i) / 16000) / h;
    return 0.2 * env * v + 1e-4 * (s / 2 ** 32 - 0.5);
  });
  const chirp = Float32Array.from({ length: 12345 }, (_, i) => 0.5 * Math.sin(i * i * 3e-5));
  return [
    noisy,
    chirp,
    new Float32Array(8000),
    Float32Array.from({ length: 300 }, (_, i) => Math.sin(i)),
  ];
}

const same = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe.skipIf(addon === null)("native vocal tract warp", () => {
  it("constructed signals: the TS warp's output bit for bit at every factor", () => {
    for (const x of signals())
      for (const alpha of ALPHAS) {
        const ts = vtlpWarp(x, alpha, 16000, 512, { native: false });
        const c = vtlpWarp(x, alpha);
        expect(same(c, ts), `${x.length} samples, alpha ${alpha}`).toBe(true);
      }
    // The warp did something (the C path is not a copy of its input).
    const x = signals()[0];
    expect(same(vtlpWarp(x, 0.9), x)).toBe(false);
  });

  it.skipIf(!haveSpeech)(`real clips: bit for bit ${NEEDS_SPEECH}`, () => {
    const dir = join(SPEECH_DIR, "sc-v2-test", "yes");
    for (const f of readdirSync(dir).slice(0, 6)) {
      const x = padOrTrim(readWav(join(dir, f)).samples, 16000);
      for (const alpha of ALPHAS)
        expect(same(vtlpWarp(x, alpha), vtlpWarp(x, alpha, 16000, 512, { native: false }))).toBe(
          true,
        );
    }
  });

  it("refuses tables of the wrong length and out-of-range indices", () => {
    const x = new Float32Array(1000);
    expect(() =>
      addon?.vtlpWarpFrames(
        x,
        new Float32Array(1000),
        new Float64Array(10),
        Int32Array.from([512, 9, 0, 0]),
      ),
    ).toThrow(/wrong length/);
    expect(() =>
      addon?.vtlpWarpFrames(
        x,
        new Float32Array(999),
        new Float64Array(10),
        Int32Array.from([512, 9]),
      ),
    ).toThrow(/bad size/);
  });
});
