import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../host/data/rng";
import { whichSet } from "../../host/data/split";
import { encodeWav16 } from "../../host/data/wav/write";

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/earshot.js", ...args], { encoding: "utf8", timeout: 60_000 });

const dir = mkdtempSync(join(tmpdir(), "earshot-stats-"));
const corrupt = join(dir, "yes", "deadbeef_nohash_0.wav");
const notWav = join(dir, "no", "notes.txt");
const speakers: string[] = [];

beforeAll(() => {
  const rng = new Rng(21);
  for (let i = 0; i < 30; i++) speakers.push(rng.uint32().toString(16).padStart(8, "0"));
  for (const w of ["yes", "no", "cat"]) {
    mkdirSync(join(dir, w));
    for (const s of speakers)
      writeFileSync(
        join(dir, w, `${s}_nohash_0.wav`),
        encodeWav16(new Float32Array(800).fill(0.2)),
      );
  }
  // A clip cut short in transfer, and a stray file.
  writeFileSync(corrupt, encodeWav16(new Float32Array(800)).subarray(0, 300));
  writeFileSync(notWav, "hello");
  mkdirSync(join(dir, "cat", "nested"));
  mkdirSync(join(dir, "_background_noise_"));
  writeFileSync(
    join(dir, "_background_noise_", "hum.wav"),
    encodeWav16(new Float32Array(16000 * 20).fill(0.01)),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("earshot data stats", () => {
  it("--json reports classes per subset, speakers, and the skipped files with reasons", () => {
    const r = cli("data", "stats", "--data", dir, "--keywords", "yes,no", "--json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({
      layout: "full",
      splitSource: "hash",
      files: { read: 90, skipped: 3 },
    });
    expect(s.noise).toEqual([{ path: join(dir, "_background_noise_", "hum.wav"), seconds: 20 }]);
    expect(s.classes.map((c: { name: string }) => c.name)).toEqual([
      "_silence_",
      "_unknown_",
      "yes",
      "no",
    ]);
    const expected = { train: 0, validation: 0, test: 0 };
    for (const sp of speakers) expected[whichSet(sp)]++;
    const yes = s.classes[2];
    expect(yes).toEqual({ name: "yes", ...expected, total: 30, speakers: 30 });
    for (const c of s.classes) expect(c.train + c.validation + c.test).toBe(c.total);
    expect(s.words.map((w: { name: string }) => w.name)).toEqual(["cat", "no", "yes"]);
    expect(s.speakersAcrossSubsets).toBe(0);
    expect(s.skipped).toEqual(
      expect.arrayContaining([
        { path: corrupt, reason: expect.stringMatching(/truncated/) },
        { path: notWav, reason: "not a .wav file" },
        { path: join(dir, "cat", "nested"), reason: "unexpected sub-folder" },
      ]),
    );
  });

  it("prints a table for people and rejects bad options with one line", () => {
    const r = cli(
      "data",
      "stats",
      "--data",
      dir,
      "--validation-percent",
      "20",
      "--testing-percent",
      "20",
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/split by hash \(60:20:20\)/);
    expect(r.stdout).toContain(`${corrupt}: truncated`);
    const bad = cli("data", "stats", "--data", join(dir, "missing"));
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe(`earshot: dataset folder not found: ${join(dir, "missing")}`);
  });
});
