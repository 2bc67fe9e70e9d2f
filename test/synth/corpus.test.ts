import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { speakerSplit } from "../../host/data/split";
import {
  type SynthOptions,
  type SynthSummary,
  synthesizeCorpus,
} from "../../host/data/synth/corpus";
import { MANIFEST_NAME, type SynthManifest } from "../../host/data/synth/manifest";
import { drawSpeakers } from "../../host/data/synth/speakers";
import { decodeWav, parseWavLayout } from "../../host/data/wav/read";

const NONE_DROPPED = { silent: 0, clipped: 0, "too-long": 0 };

// A tiny corpus (2 words x 3 clips, 2 s noise files) generated twice with one seed.
const base = mkdtempSync(join(tmpdir(), "earshot-synth-"));
const dirA = join(base, "a");
const dirB = join(base, "b");
const opts = (out: string): SynthOptions => ({
  out,
  words: ["yes", "no"],
  unknownWords: [],
  perWord: 3,
  seed: 7,
  noiseSeconds: 2,
});
let first: SynthSummary;

const NAME = /^[0-9a-f]{8}_nohash_\d+\.wav$/;
const clipsOf = (root: string) =>
  ["yes", "no"].flatMap((w) => readdirSync(join(root, w)).map((f) => `${w}/${f}`)).sort();
const noiseOf = (root: string) => readdirSync(join(root, "_background_noise_")).sort();

/** RMS in dB of consecutive 100 ms windows. */
function envelopeDb(x: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1600 <= x.length; i += 1600) {
    let e = 0;
    for (let j = i; j < i + 1600; j++) e += x[j] * x[j];
    out.push(10 * Math.log10(e / 1600 + 1e-20));
  }
  return out;
}

beforeAll(async () => {
  first = await synthesizeCorpus(opts(dirA));
  await synthesizeCorpus(opts(dirB));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("synthetic corpus", () => {
  it("writes the Speech Commands layout, and no split lists", () => {
    expect(readdirSync(dirA).sort()).toEqual(["_background_noise_", "no", MANIFEST_NAME, "yes"]);
    const clips = clipsOf(dirA);
    expect(clips).toHaveLength(6);
    for (const rel of clips) expect(rel.split("/")[1]).toMatch(NAME);
    expect(first.clips).toEqual({ total: 6, written: 6, cached: 0, dropped: NONE_DROPPED });
  });

  it("writes 1 s of 16 kHz mono 16-bit PCM per clip", () => {
    for (const rel of clipsOf(dirA)) {
      const buf = readFileSync(join(dirA, rel));
      const l = parseWavLayout(buf, buf.length, rel);
      expect([l.format, l.sampleRate, l.channels, l.bitsPerSample, l.frames]).toEqual([
        "pcm",
        16000,
        1,
        16,
        16000,
      ]);
    }
  });

  it("puts a word in each clip: a loud stretch well above the clip's quiet part", () => {
    for (const rel of clipsOf(dirA)) {
      const env = envelopeDb(decodeWav(readFileSync(join(dirA, rel)), rel).samples);
      const loud = Math.max(...env);
      const quiet = Math.min(...env);
      expect(loud, rel).toBeGreaterThan(-36);
      expect(loud - quiet, rel).toBeGreaterThan(20);
      // A spoken word lasts 0.2..0.96 s: at least two 100 ms windows within 20 dB of the peak,
      // and some windows well below it.
      const voiced = env.filter((d) => d > loud - 20).length;
      expect(voiced, rel).toBeGreaterThanOrEqual(2);
      expect(voiced, rel).toBeLessThanOrEqual(9);
    }
  });

  it("writes the background noise files, each of the requested length and audible", () => {
    const names = noiseOf(dirA);
    expect(names).toEqual(
      ["babble", "brown_noise", "hum_50hz", "hum_60hz", "pink_noise", "white_noise"].map(
        (n) => `${n}.wav`,
      ),
    );
    for (const n of names) {
      const w = decodeWav(readFileSync(join(dirA, "_background_noise_", n)), n);
      expect(w.samples.length).toBe(32000);
      expect(Math.max(...envelopeDb(w.samples)), n).toBeGreaterThan(-35);
    }
  });

  it("is deterministic under the seed: a second run writes the same bytes", () => {
    expect(clipsOf(dirB)).toEqual(clipsOf(dirA));
    for (const rel of clipsOf(dirA))
      expect(readFileSync(join(dirB, rel)).equals(readFileSync(join(dirA, rel))), rel).toBe(true);
    for (const n of noiseOf(dirA)) {
      const rel = join("_background_noise_", n);
      expect(readFileSync(join(dirB, rel)).equals(readFileSync(join(dirA, rel))), n).toBe(true);
    }
  });

  it("resumes: only a deleted clip is regenerated, with the same bytes", async () => {
    const victim = clipsOf(dirA)[2];
    unlinkSync(join(dirA, victim));
    const again = await synthesizeCorpus(opts(dirA));
    expect(again.clips).toEqual({ total: 6, written: 1, cached: 5, dropped: NONE_DROPPED });
    expect(again.noise).toEqual({ total: 6, written: 0, cached: 6 });
    expect(readFileSync(join(dirA, victim)).equals(readFileSync(join(dirB, victim)))).toBe(true);
  });

  it("regenerates a truncated clip instead of trusting it", async () => {
    const victim = clipsOf(dirA)[0];
    writeFileSync(join(dirA, victim), readFileSync(join(dirA, victim)).subarray(0, 1000));
    const again = await synthesizeCorpus(opts(dirA));
    expect(again.clips.written).toBe(1);
    expect(readFileSync(join(dirA, victim)).equals(readFileSync(join(dirB, victim)))).toBe(true);
  });

  it("refuses to mix configs in one folder, and a foreign non-empty folder", async () => {
    await expect(synthesizeCorpus({ ...opts(dirA), seed: 8 })).rejects.toThrow(/seed differ/);
    // `base` holds the two corpus folders but no manifest of its own.
    await expect(synthesizeCorpus(opts(base))).rejects.toThrow(/not empty/);
  });

  it("--force replaces a corpus made with another config, leaving none of its clips", async () => {
    const dir = join(base, "forced");
    await synthesizeCorpus({ ...opts(dir), words: ["go"], perWord: 2, noiseSeconds: 1 });
    const again = await synthesizeCorpus({
      ...opts(dir),
      words: ["up"],
      perWord: 2,
      seed: 9,
      noiseSeconds: 1,
      force: true,
    });
    expect(again.clips.written).toBe(2);
    expect(readdirSync(join(dir, "go"))).toEqual([]);
    expect(readdirSync(join(dir, "up"))).toHaveLength(2);
    const m: SynthManifest = JSON.parse(readFileSync(join(dir, MANIFEST_NAME), "utf8"));
    expect([m.config.seed, m.config.words]).toEqual([9, ["up"]]);
  });

  it("records speakers in the manifest, each with a distinct 8-hex id used in file names", () => {
    const m: SynthManifest = JSON.parse(readFileSync(join(dirA, MANIFEST_NAME), "utf8"));
    expect(m.complete).toBe(true);
    const ids = m.speakers.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rel of clipsOf(dirA)) expect(ids).toContain(rel.split("/")[1].slice(0, 8));
    // Every id maps to one subset of the hash split (a sanity check that ids are split keys).
    for (const id of ids) expect(["train", "validation", "test"]).toContain(speakerSplit(id));
  });
});

/** Summed 10 ms frames within 20 dB of each clip's peak: how long the words are spoken. */
function spokenFrames(root: string): number {
  let frames = 0;
  for (const rel of clipsOf(root)) {
    const x = decodeWav(readFileSync(join(root, rel)), rel).samples;
    const db: number[] = [];
    for (let i = 0; i + 160 <= x.length; i += 160) {
      let e = 0;
      for (let j = i; j < i + 160; j++) e += x[j] * x[j];
      db.push(10 * Math.log10(e / 160 + 1e-20));
    }
    const peak = Math.max(...db);
    frames += db.filter((d) => d > peak - 20).length;
  }
  return frames;
}

describe("speaking rate (--rate)", () => {
  const dirSlow = join(base, "slow");
  beforeAll(async () => {
    await synthesizeCorpus({ ...opts(dirSlow), rate: 0.7 });
  });

  it("keeps the speakers and slows each one's rate by the scale, recorded in the manifest", () => {
    const plain: SynthManifest = JSON.parse(readFileSync(join(dirA, MANIFEST_NAME), "utf8"));
    const slow: SynthManifest = JSON.parse(readFileSync(join(dirSlow, MANIFEST_NAME), "utf8"));
    expect(plain.config.rate).toBeUndefined();
    expect(slow.config.rate).toBe(0.7);
    expect(slow.speakers).toHaveLength(plain.speakers.length);
    slow.speakers.forEach((s, i) => {
      const p = plain.speakers[i];
      expect([s.engine, s.voice, s.tractK, s.prosody.pitch]).toEqual([
        p.engine,
        p.voice,
        p.tractK,
        p.prosody.pitch,
      ]);
      // Both are rounded to 3 decimals after scaling.
      expect(Math.abs(s.prosody.rate - 0.7 * p.prosody.rate)).toBeLessThanOrEqual(0.001);
      expect(s.prosody.rate).toBeLessThan(p.prosody.rate);
    });
  });

  it("speaks the words longer", () => {
    // 1 / 0.7 = 1.43x the spoken frames if every engine followed the rate exactly.
    expect(spokenFrames(dirSlow)).toBeGreaterThan(1.2 * spokenFrames(dirA));
  });

  it("draws the same speakers at scale 1 as without one", () => {
    const catalog = [{ engine: "flite" as const, voices: ["kal", "awb", "slt"] }];
    expect(drawSpeakers(5, 60, catalog, "speakers", 0, 1)).toEqual(drawSpeakers(5, 60, catalog));
  });
});

describe("earshot data synth (CLI)", () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ["bin/earshot.js", "data", "synth", ...args], {
      encoding: "utf8",
      timeout: 60_000,
    });

  it("prints the summary as JSON (a cached rerun writes nothing)", () => {
    const r = cli("--out", dirB, "--words", "yes,no", "--unknown-words", "none", "--per-word", "3");
    // Different defaults (noise length, seed) than the folder was made with: refused, one line.
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^earshot: .*different config/m);
    const ok = cli(
      ...["--out", dirB, "--words", "yes,no", "--unknown-words", "none", "--per-word", "3"],
      ...["--seed", "7", "--noise-seconds", "2", "--json"],
    );
    expect(ok.status, ok.stderr).toBe(0);
    const s = JSON.parse(ok.stdout) as SynthSummary;
    expect(s.clips).toEqual({ total: 6, written: 0, cached: 6, dropped: NONE_DROPPED });
    expect(s.noise).toEqual({ total: 6, written: 0, cached: 6 });
    expect(s.words).toBe(2);
  });

  it("rejects a bad flag value with a one-line error", () => {
    const r = cli("--out", join(base, "x"), "--per-word", "0");
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("earshot: --per-word must be a positive integer (got '0')");
    const e = cli("--out", join(base, "x"), "--engines", "flite,festival");
    expect(e.status).toBe(1);
    expect(e.stderr.trim()).toBe(
      "earshot: --engines: 'festival' is not an engine (use auto or a comma-separated list of flite, espeak, gnuspeech)",
    );
    const slow = cli("--out", join(base, "x"), "--rate", "0.2");
    expect(slow.status).toBe(1);
    expect(slow.stderr.trim()).toBe("earshot: --rate must be a number from 0.5 to 1.5 (got '0.2')");
  });
});
