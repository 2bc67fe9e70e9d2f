import { execFileSync, spawnSync } from "node:child_process";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_WAV_BYTES, readWav } from "../../host/data/wav/read";
import { writeWav16 } from "../../host/data/wav/write";
import { extractFeatures, LFBE_25_10_20, MFCC_30_10_40 } from "../../shared/features";
import { testSignal } from "./fixtures";

const repo = path.resolve(import.meta.dirname, "../..");
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/earshot.js", ...args], {
    cwd: repo,
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 64 << 20,
  });

describe("earshot features", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "earshot-features-cli-"));
  const wav = path.join(dir, "clip.wav");
  writeWav16(wav, testSignal(1, 5));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("--json prints frames x coeffs rows equal to the batch API on the decoded WAV", () => {
    const r = cli("features", wav, "--json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect([out.frames, out.coeffs]).toEqual([98, 40]);
    expect(out.config).toEqual(MFCC_30_10_40);
    expect(out.data).toHaveLength(98);
    const want = extractFeatures(readWav(wav).samples, MFCC_30_10_40);
    expect(out.data.flat()).toEqual(want.data);
  });

  it("flags override the preset: --kind lfbe, --n-mfcc, --window-ms", () => {
    const lfbe = JSON.parse(cli("features", wav, "--json", "--kind", "lfbe").stdout);
    expect([lfbe.frames, lfbe.coeffs]).toEqual([98, 20]);
    expect(lfbe.config).toEqual(LFBE_25_10_20);
    const r = cli(
      "features",
      wav,
      "--json",
      "--n-mfcc",
      "13",
      "--window-ms",
      "25",
      "--n-mels",
      "32",
    );
    const m = JSON.parse(r.stdout);
    expect([m.frames, m.coeffs]).toEqual([98, 13]);
    expect(m.config).toMatchObject({ windowMs: 25, nMels: 32, nCoeffs: 13 });
  });

  it.each([
    [["--n-mfcc", "50"], /nCoeffs/],
    [["--fft-size", "300"], /fftSize/],
    [["--hop-ms", "ten"], /--hop-ms must be a number/],
    [["--preset", "NOPE"], /--preset 'NOPE' is unknown/],
  ])("rejects %j with one clear line", (flags, message) => {
    const r = cli("features", wav, "--json", ...flags);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("names the file when it is not a WAV", () => {
    const r = cli("features", path.join(repo, "package.json"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("package.json");
  });

  it("plot writes waveform, spectrum, spectrogram, mel spectrogram and MFCC as SVG and PNG", () => {
    const out = path.join(dir, "plots");
    const r = cli("features", "plot", wav, "--out", out, "--json");
    expect(r.status).toBe(0);
    const names = ["waveform", "spectrum", "spectrogram", "mel-spectrogram", "mfcc"];
    expect(JSON.parse(r.stdout).plots.map((p: { name: string }) => p.name)).toEqual(names);
    expect(readdirSync(out).sort()).toEqual(names.flatMap((n) => [`${n}.png`, `${n}.svg`]).sort());
    for (const n of names) {
      expect(readFileSync(path.join(out, `${n}.svg`), "utf8")).toMatch(/^<svg/);
      const png = readFileSync(path.join(out, `${n}.png`));
      expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
      expect(png.length).toBeGreaterThan(10_000);
    }
  });
});

describe("earshot features on what is not a WAV file", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "earshot-features-bad-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses /dev/zero, a named pipe and an oversized file in one line, without reading them", () => {
    const fifo = path.join(dir, "pipe.wav");
    execFileSync("mkfifo", [fifo]);
    const huge = path.join(dir, "huge.wav");
    writeFileSync(huge, "");
    truncateSync(huge, MAX_WAV_BYTES + 1); // sparse: no disk used
    for (const [file, pattern] of [
      ["/dev/zero", /is not a regular file/],
      [fifo, /is a named pipe/],
      [huge, /capped at 256 MiB/],
    ] as const) {
      const r = cli("features", file);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });
});
