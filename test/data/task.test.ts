import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClipLoader, loadSplit, noiseBank } from "../../host/data/clip";
import { type Dataset, scanDataset } from "../../host/data/dataset";
import { SILENCE_LABEL, STANDARD_KEYWORDS, UNKNOWN_LABEL } from "../../host/data/labels";
import { Rng } from "../../host/data/rng";
import { SPLITS } from "../../host/data/split";
import { buildTask, noiseRegion, type SilenceExample } from "../../host/data/task";
import { encodeWav16 } from "../../host/data/wav/write";

const dir = mkdtempSync(join(tmpdir(), "earshot-task-"));
let ds: Dataset;
const OTHER = ["cat", "dog", "bird", "tree"];
const NOISE = 12 * 16000;

beforeAll(async () => {
  const rng = new Rng(5);
  const write = (rel: string, n: number, v: number) => {
    mkdirSync(join(dir, rel.split("/").slice(0, -1).join("/")), { recursive: true });
    writeFileSync(join(dir, rel), encodeWav16(new Float32Array(n).fill(v)));
  };
  const speakers = Array.from({ length: 40 }, () => rng.uint32().toString(16).padStart(8, "0"));
  for (const w of [...STANDARD_KEYWORDS, ...OTHER])
    for (const s of speakers) write(`${w}/${s}_nohash_0.wav`, 400, 0.1);
  // 12 s of "noise" whose value encodes its position, to check where silence was cut.
  mkdirSync(join(dir, "_background_noise_"));
  writeFileSync(
    join(dir, "_background_noise_", "ramp.wav"),
    encodeWav16(Float32Array.from({ length: NOISE }, (_, i) => 0.05 + (0.9 * i) / NOISE)),
  );
  ds = await scanDataset(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const labelCounts = (labels: string[], ex: { label: number }[]) => {
  const m: Record<string, number> = {};
  for (const e of ex) m[labels[e.label]] = (m[labels[e.label]] ?? 0) + 1;
  return m;
};

describe("buildTask", () => {
  it("builds the standard 12-class task: _silence_, _unknown_, then the ten keywords", () => {
    const task = buildTask(ds, {}, 1);
    expect(task.labels).toEqual([SILENCE_LABEL, UNKNOWN_LABEL, ...STANDARD_KEYWORDS]);
    expect(task.warnings).toEqual([]);
    for (const split of SPLITS) {
      const keywordClips = ds.items.filter(
        (i) => i.split === split && STANDARD_KEYWORDS.includes(i.word),
      ).length;
      const otherClips = ds.items.filter((i) => i.split === split && OTHER.includes(i.word)).length;
      const c = labelCounts(task.labels, task.examples[split]);
      // 10% of the keyword examples each, rounded up (TensorFlow's prepare_data_index).
      expect(c[UNKNOWN_LABEL] ?? 0).toBe(Math.min(otherClips, Math.ceil(keywordClips * 0.1)));
      expect(c[SILENCE_LABEL] ?? 0).toBe(Math.ceil(keywordClips * 0.1));
      for (const k of STANDARD_KEYWORDS)
        expect(c[k] ?? 0).toBe(ds.items.filter((i) => i.split === split && i.word === k).length);
      for (const e of task.examples[split]) {
        if (e.kind === "file" && e.label === 1) expect(OTHER).toContain(e.word);
        if (e.kind === "file" && e.label > 1) expect(e.word).toBe(task.labels[e.label]);
      }
    }
  });

  it("takes configurable unknown and silence percentages", () => {
    const task = buildTask(ds, { unknownPercent: 25, silencePercent: 5 }, 1);
    const keywordClips = ds.items.filter(
      (i) => i.split === "train" && STANDARD_KEYWORDS.includes(i.word),
    ).length;
    const c = labelCounts(task.labels, task.examples.train);
    expect(c[UNKNOWN_LABEL]).toBe(Math.ceil(keywordClips * 0.25));
    expect(c[SILENCE_LABEL]).toBe(Math.ceil(keywordClips * 0.05));
    const all = buildTask(ds, { unknownPercent: "all" }, 1);
    expect(labelCounts(all.labels, all.examples.train)[UNKNOWN_LABEL]).toBe(
      ds.items.filter((i) => i.split === "train" && OTHER.includes(i.word)).length,
    );
  });

  it("takes a user keyword set: seed 003's silence/unknown/yes/no", () => {
    const task = buildTask(ds, { keywords: ["Yes", "no"] }, 2);
    expect(task.labels).toEqual([SILENCE_LABEL, UNKNOWN_LABEL, "yes", "no"]);
    const c = labelCounts(task.labels, task.examples.train);
    const yesNo = c.yes + c.no;
    expect(c[UNKNOWN_LABEL]).toBe(Math.ceil(yesNo * 0.1));
    // Without the extra classes.
    const bare = buildTask(
      ds,
      { keywords: ["up"], includeSilence: false, includeUnknown: false },
      2,
    );
    expect(bare.labels).toEqual(["up"]);
    expect(bare.examples.train.every((e) => e.label === 0 && e.kind === "file")).toBe(true);
  });

  it("is deterministic under the seed and differs across seeds", () => {
    const a = buildTask(ds, {}, 9);
    const b = buildTask(ds, {}, 9);
    const c = buildTask(ds, {}, 10);
    expect(b).toEqual(a);
    expect(JSON.stringify(c.examples.train)).not.toBe(JSON.stringify(a.examples.train));
  });

  it("cuts silence from each subset's own region of the noise, at the drawn RMS", () => {
    const task = buildTask(ds, {}, 3);
    const loader = new ClipLoader();
    for (const split of SPLITS) {
      const [lo, hi] = noiseRegion(split, ds.percents);
      const silence = task.examples[split].filter((e): e is SilenceExample => e.kind === "silence");
      expect(silence.length).toBeGreaterThan(0);
      for (const s of silence) {
        expect(s.noise).not.toBeNull();
        const off = s.noise?.offset as number;
        expect(off).toBeGreaterThanOrEqual(Math.floor(NOISE * lo));
        expect(off + 16000).toBeLessThanOrEqual(Math.floor(NOISE * hi));
        expect(s.rms).toBeGreaterThanOrEqual(0.001);
        expect(s.rms).toBeLessThanOrEqual(0.3);
        const x = loader.load(s);
        expect(x.length).toBe(16000);
        const rms = Math.sqrt(x.reduce((acc, v) => acc + v * v, 0) / x.length);
        expect(rms).toBeCloseTo(s.rms, 4);
      }
    }
  });

  it("rejects reserved or repeated keywords and bad percentages", () => {
    expect(() => buildTask(ds, { keywords: ["_unknown_"] })).toThrow(/reserved/);
    expect(() => buildTask(ds, { keywords: ["yes", "yes"] })).toThrow(/twice/);
    expect(() => buildTask(ds, { keywords: [] })).toThrow(/no keywords/);
    expect(() => buildTask(ds, { unknownPercent: -1 })).toThrow(/unknownPercent/);
  });

  it("warns about keywords without clips", () => {
    expect(buildTask(ds, { keywords: ["yes", "marvin"] }).warnings).toEqual([
      expect.stringMatching(/'marvin' has no clips/),
    ]);
  });

  it("loadSplit decodes a subset into one block and drops files that vanished", () => {
    const task = buildTask(ds, { keywords: ["yes"] }, 4);
    const ex = task.examples.train;
    const gone = ex.find((e) => e.kind === "file");
    if (gone?.kind !== "file") throw new Error("no file example");
    renameSync(gone.path, `${gone.path}.moved`);
    try {
      const got = loadSplit(ex);
      expect(got.failed).toEqual([{ path: gone.path, reason: expect.stringMatching(/ENOENT/) }]);
      expect(got.examples.length).toBe(ex.length - 1);
      expect(got.audio.length).toBe(16000 * got.examples.length);
      expect(Array.from(got.labels)).toEqual(got.examples.map((e) => e.label));
      const row = got.examples.findIndex((e) => e.kind === "file");
      // Clips are 400 samples of 0.1, zero-padded at the end to 1 s.
      expect(got.audio[row * 16000]).toBeCloseTo(0.1, 3);
      expect(got.audio[row * 16000 + 500]).toBe(0);
    } finally {
      renameSync(`${gone.path}.moved`, gone.path);
    }
  });

  it("noiseBank gives each subset its own region of every recording", () => {
    const train = noiseBank(ds, "train");
    const test = noiseBank(ds, "test");
    expect(train[0].length).toBe(Math.floor(NOISE * 0.8));
    expect(test[0].length).toBe(NOISE - Math.floor(NOISE * 0.9));
    // The ramp rises with time: every test sample lies after every train sample.
    expect(test[0].reduce((a, b) => Math.min(a, b))).toBeGreaterThan(
      train[0].reduce((a, b) => Math.max(a, b)),
    );
  });
});
