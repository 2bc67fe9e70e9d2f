import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadClip } from "../../host/data/clip";
import { scanDataset } from "../../host/data/dataset";
import { SILENCE_LABEL, STANDARD_KEYWORDS, UNKNOWN_LABEL } from "../../host/data/labels";
import { whichSet } from "../../host/data/split";
import { buildTask } from "../../host/data/task";
import { FIXTURE_SPEAKERS } from "../fixtures/speech/make";
import { FIXTURE_SPEECH, haveSpeech, NEEDS_SPEECH, SPEECH_DIR as speech } from "../speech-data";

const noiseDir = resolve(speech, "_background_noise_");

// The committed fixtures: tiny generated clips, but the real layouts, names and split lists.
describe("Speech Commands layouts (committed fixtures)", () => {
  it("reads the full layout and takes the split from the lists it ships", async () => {
    const ds = await scanDataset(FIXTURE_SPEECH.full);
    expect(ds.layout).toBe("full");
    expect(ds.splitSource).toBe("lists");
    expect(ds.words).toEqual(["no", "up", "yes"]);
    expect(ds.skipped).toEqual([]);
    expect(ds.noise.length).toBe(1);
    const listed = readFileSync(resolve(FIXTURE_SPEECH.full, "testing_list.txt"), "utf8");
    for (const it of ds.items) {
      expect(it.relPath).toBe(`${it.word}/${it.speaker}_nohash_0.wav`);
      const want = (Object.keys(FIXTURE_SPEAKERS) as (keyof typeof FIXTURE_SPEAKERS)[]).find((s) =>
        (FIXTURE_SPEAKERS[s] as readonly string[]).includes(it.speaker ?? ""),
      );
      expect(it.split).toBe(want);
      expect(listed.includes(it.relPath)).toBe(it.split === "test");
    }
    const task = buildTask(ds, { keywords: ["yes", "no"], unknownPercent: "all" }, 0);
    expect(task.labels).toEqual([SILENCE_LABEL, UNKNOWN_LABEL, "yes", "no"]);
    const files = (s: "train" | "validation" | "test") =>
      task.examples[s].filter((e) => e.kind === "file").length;
    expect([files("train"), files("validation"), files("test")]).toEqual([9, 3, 3]);
    // 25 ms clips come back padded to exactly one second.
    const [short] = task.examples.test.filter((e) => e.kind === "file");
    expect(loadClip(short).length).toBe(16000);
  });

  it("reads the test-set layout: _unknown_/<word>_<speaker>_..., _silence_/, all in test", async () => {
    const ds = await scanDataset(FIXTURE_SPEECH.testSet);
    expect(ds.layout).toBe("test-set");
    expect(ds.splitSource).toBe("all-test");
    const unknown = ds.items.filter((i) => i.relPath.startsWith("_unknown_/"));
    expect(unknown.map((i) => [i.word, i.speaker])).toEqual(
      [...FIXTURE_SPEAKERS.train, ...FIXTURE_SPEAKERS.test].map((s) => ["cat", s]),
    );
    expect(ds.items.filter((i) => i.silence).map((i) => i.speaker)).toEqual([null, null]);
    const task = buildTask(ds, { keywords: ["yes", "no"] }, 0);
    expect(task.examples.test.length).toBe(ds.items.length);
    expect(task.examples.train.length).toBe(0);
  });
});

describe.skipIf(!haveSpeech)(`real Speech Commands layouts ${NEEDS_SPEECH}`, () => {
  it("reads the canonical v0.02 test set (test-set layout)", async () => {
    const ds = await scanDataset(resolve(speech, "sc-v2-test"), { noiseDir });
    expect(ds.layout).toBe("test-set");
    expect(ds.version).toBe("v0.02");
    expect(ds.skipped).toEqual([]);
    expect(ds.noise.length).toBe(6);
    // The canonical test set is the `test` partition: auto mode keeps every clip in test...
    expect(ds.splitSource).toBe("all-test");
    expect(new Set(ds.items.map((i) => i.split))).toEqual(new Set(["test"]));
    // ...and indeed the dataset's own which_set sends every one of its speakers to test.
    for (const it of ds.items)
      if (it.speaker) expect(whichSet(`${it.speaker}_nohash_0.wav`)).toBe("test");

    const unknown = ds.items.filter((i) => i.relPath.startsWith("_unknown_/"));
    expect(unknown.length).toBeGreaterThan(100);
    for (const it of unknown) {
      // `_unknown_/backward_0c540988_nohash_0.wav.wav`: the word is the prefix, the speaker the hash.
      const base = it.relPath.split("/")[1];
      expect(base.startsWith(`${it.word}_${it.speaker}_nohash_`)).toBe(true);
      expect(STANDARD_KEYWORDS).not.toContain(it.word);
      expect(it.speaker).toMatch(/^[0-9a-f]{8}$/);
    }
    const silence = ds.items.filter((i) => i.silence);
    expect(silence.length).toBeGreaterThan(100);
    for (const it of silence) expect([it.word, it.speaker]).toEqual([SILENCE_LABEL, null]);
    for (const it of ds.items.filter((i) => STANDARD_KEYWORDS.includes(i.word)))
      expect(it.relPath.startsWith(`${it.word}/${it.speaker}_nohash_`)).toBe(true);

    // The standard task takes its folders as they are: 12 classes, nothing sampled away.
    const task = buildTask(ds, {}, 0);
    expect(task.labels).toEqual([SILENCE_LABEL, UNKNOWN_LABEL, ...STANDARD_KEYWORDS]);
    expect(task.examples.test.length).toBe(ds.items.length);
    const perLabel = new Map<string, number>();
    for (const e of task.examples.test)
      perLabel.set(task.labels[e.label], (perLabel.get(task.labels[e.label]) ?? 0) + 1);
    expect(perLabel.get(UNKNOWN_LABEL)).toBe(unknown.length);
    expect(perLabel.get(SILENCE_LABEL)).toBe(silence.length);
    const clip = loadClip(task.examples.test[0]);
    expect(clip.length).toBe(16000);
  });

  it("splits the test set by speaker for training when asked", async () => {
    const ds = await scanDataset(resolve(speech, "sc-v2-test"), { splitMode: "speaker" });
    const bySpeaker = new Map<string, string>();
    for (const it of ds.items) {
      if (!it.speaker) continue;
      expect(bySpeaker.get(it.speaker) ?? it.split).toBe(it.split);
      bySpeaker.set(it.speaker, it.split);
    }
    const n = (s: string) => ds.items.filter((i) => i.split === s).length / ds.items.length;
    expect(n("train")).toBeGreaterThan(0.7);
    expect(n("validation")).toBeGreaterThan(0.05);
    expect(n("test")).toBeGreaterThan(0.05);
  });

  it("reads the v0.01 sample (full layout) and reports its truncated clip", async () => {
    const ds = await scanDataset(resolve(speech, "sc-v1-sample"));
    expect(ds.layout).toBe("full");
    expect(ds.version).toBe("v0.01");
    expect(ds.splitSource).toBe("hash");
    expect(ds.words.length).toBe(30);
    expect(ds.noise).toEqual([]);
    // Every clip is accounted for: read, or skipped with a reason naming it.
    expect(ds.items.length + ds.skipped.length).toBe(181);
    for (const s of ds.skipped) {
      expect(existsSync(s.path)).toBe(true);
      expect(s.reason).toMatch(/truncated/);
    }
    for (const it of ds.items) {
      expect(it.relPath).toBe(`${it.word}/${it.relPath.split("/")[1]}`);
      expect(it.relPath.split("/")[1].startsWith(`${it.speaker}_nohash_`)).toBe(true);
      expect(it.split).toBe(whichSet(it.relPath));
    }
    // Short v0.01 clips come back padded to exactly one second.
    const task = buildTask(ds, {}, 0);
    for (const e of task.examples.train.slice(0, 10)) expect(loadClip(e).length).toBe(16000);
  });

  it("reads the v0.02 digits (full layout) with a user keyword set", async () => {
    const ds = await scanDataset(resolve(speech, "sc09-digits"));
    expect(ds.layout).toBe("full");
    expect(ds.words).toEqual([
      "eight",
      "five",
      "four",
      "nine",
      "one",
      "seven",
      "six",
      "three",
      "two",
      "zero",
    ]);
    const task = buildTask(ds, { keywords: ["one", "two"], unknownPercent: "all" }, 5);
    const all = [...task.examples.train, ...task.examples.validation, ...task.examples.test];
    expect(all.filter((e) => e.kind === "file").length).toBe(ds.items.length);
  });
});
