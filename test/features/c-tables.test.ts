import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FrontEndConfig } from "../../shared/features/config";
import { FrontEnd } from "../../shared/features/frontend";
import { compileHarness, haveGcc } from "../c-harness";

/**
 * The device hosts' C front end builds its own tables from the configuration
 * (device/targets/c-kernels/frontend-tables.c): they must be the TS FrontEnd's bit for bit, or
 * a native engine's features drift from the host's. A harness prints them as bit patterns.
 */

function hex(x: number): string {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  return b.readBigUInt64LE().toString(16);
}

interface Tables {
  fft: { rev: number[]; cosM: number[]; sinM: number[]; cosN: number[]; sinN: number[] };
  dct: number[];
}

/** The TS tables in the harness's format. */
function tsTables(cfg: FrontEndConfig): string {
  const fe = new FrontEnd(cfg);
  const t = fe as unknown as Tables;
  const d = (name: string, a: number[]) => `${name}${a.map((x) => ` ${hex(x)}`).join("")}`;
  const n = (name: string, a: number[]) => `${name}${a.map((x) => ` ${x}`).join("")}`;
  const lines = [
    d("window", fe.window),
    n("rev", t.fft.rev),
    d("cosM", t.fft.cosM),
    d("sinM", t.fft.sinM),
    d("cosN", t.fft.cosN),
    d("sinN", t.fft.sinN),
    n("start", fe.mel.start),
    n("count", fe.mel.count),
    n("offset", fe.mel.offset),
    d("weights", fe.mel.weights),
  ];
  if (cfg.kind === "mfcc") lines.push(d("dct", t.dct));
  return `${lines.join("\n")}\n`;
}

function config(over: Partial<FrontEndConfig>): FrontEndConfig {
  return {
    kind: "mfcc",
    sampleRate: 16000,
    windowMs: 30,
    hopMs: 10,
    fftSize: 512,
    nMels: 40,
    fMin: 20,
    fMax: 4000,
    nCoeffs: 40,
    logFloor: 1 / 10000000000,
    ...over,
  };
}

describe.skipIf(!haveGcc)("the C front end's tables (es_frontend_build)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "earshot-c-tables-"));
  const exe = path.join(dir, "tables");
  beforeAll(() =>
    compileHarness(
      path.join(import.meta.dirname, "c-tables/main.c"),
      ["frontend-tables.c", "frontend.c"],
      exe,
    ),
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (cfg: FrontEndConfig) => {
    const fe = new FrontEnd(cfg);
    const args = [
      cfg.sampleRate,
      cfg.fftSize,
      cfg.nMels,
      fe.windowLength,
      fe.hopLength,
      fe.coeffs,
      cfg.kind === "lfbe" ? 1 : 0,
      cfg.fMin,
      cfg.fMax,
    ].map(String);
    return spawnSync(exe, args, { encoding: "utf8", maxBuffer: 16 << 20 });
  };

  it.each([
    ["the shipped MFCC (40 of 40 mels, 512-point FFT)", config({})],
    ["10 MFCCs", config({ nCoeffs: 10 })],
    [
      "LFBE, 64 mels, 1024-point FFT, 0-8000 Hz",
      config({
        kind: "lfbe",
        nMels: 64,
        nCoeffs: 64,
        fftSize: 1024,
        windowMs: 40,
        hopMs: 20,
        fMin: 0,
        fMax: 8000,
      }),
    ],
    [
      "8 kHz, 23 mels, 13 MFCCs",
      config({
        sampleRate: 8000,
        fftSize: 256,
        nMels: 23,
        nCoeffs: 13,
        windowMs: 25,
        fMin: 50,
        fMax: 3900,
      }),
    ],
  ])("equal the TS FrontEnd's bit for bit: %s", (_what, cfg) => {
    const r = run(cfg);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const want = tsTables(cfg);
    expect(want.length).toBeGreaterThan(10000);
    expect(r.stdout).toBe(want);
  });

  it("refuses a configuration its loops cannot take, naming it", () => {
    // fftSize 500 is not a power of two; fMax above Nyquist.
    for (const [fft, fMax] of [
      [500, 4000],
      [512, 9000],
    ]) {
      const r = spawnSync(
        exe,
        ["16000", `${fft}`, "40", "480", "160", "40", "0", "20", `${fMax}`],
        {
          encoding: "utf8",
        },
      );
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("refused frontEndInit: bad config\n");
    }
  });
});
