// The batch stream of issue 10's data recipe: SpecAugment masks, batches mixed from two sources
// at fixed shares, and batches made ahead in a worker thread equal to those made in process.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../host/data/rng";
import { writeWav16 } from "../../host/data/wav/write";
import { nativeAddon } from "../../host/native/load";
import { AugmentedCopies } from "../../host/train/augmented-copies";
import { computeInputNorm } from "../../host/train/features";
import { resolveTrainConfig, type TrainConfig } from "../../host/train/loop";
import { shareCounts } from "../../host/train/mixed-batches";
import {
  autoPrefetchWorkers,
  inProcess,
  openBatchStream,
  prefetchWorkerCount,
} from "../../host/train/prefetch";
import { specAugment } from "../../host/train/spec-augment";
import {
  loadTrainingData,
  makeAugment,
  makeBatchStream,
  type TrainingData,
  unknownSubset,
} from "../../host/train/training-data";

let root: string;

/** A corpus of `words` in the Speech Commands layout: tones at word-specific pitches. */
function corpus(dir: string, words: Record<string, number>, seed: number): void {
  const rng = new Rng(seed);
  for (const [word, hz] of Object.entries(words)) {
    mkdirSync(join(dir, word), { recursive: true });
    for (let s = 0; s < 10; s++) {
      const x = new Float32Array(16000);
      const start = rng.int(6000);
      for (let i = start; i < start + 6000; i++)
        x[i] = 0.3 * Math.sin((2 * Math.PI * hz * i) / 16000);
      const speaker = (0x2000_0000 + s * 7919 + seed * 104729).toString(16);
      writeWav16(join(dir, word, `${speaker}_nohash_0.wav`), x);
    }
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "earshot-batches-"));
  corpus(join(root, "a"), { yes: 500, no: 900, bed: 2400 }, 1);
  corpus(join(root, "b"), { yes: 520, no: 950, cat: 3000 }, 2);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every entry file under a feature cache folder. */
function cacheFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith(".f32"))
    .map((d) => join(d.parentPath, d.name));
}

function config(over: Partial<TrainConfig> = {}): TrainConfig {
  return resolveTrainConfig({
    data: join(root, "a"),
    model: "res8-narrow",
    out: join(root, "out"),
    keywords: ["yes", "no"],
    splitMode: "speaker",
    batchSize: 12,
    seed: 5,
    cacheDir: join(root, "cache"),
    augment: {
      fraction: 0.5,
      config: { timeShiftMs: 100, gainDb: [-6, 6], speed: [0.9, 1.1], noise: null },
    },
    specAugment: { timeMasks: 2, timeMaskMax: 10, freqMasks: 2, freqMaskMax: 5 },
    ...over,
  });
}

describe("specAugment", () => {
  it("masks whole frames and whole coefficient bands with 0, deterministically, keeping the shape", () => {
    const frames = 20;
    const coeffs = 8;
    const x = new Float32Array(frames * coeffs).fill(1);
    const c = { timeMasks: 1, timeMaskMax: 4, freqMasks: 1, freqMaskMax: 3 };
    const a = specAugment(Float32Array.from(x), frames, coeffs, c, new Rng(1));
    const b = specAugment(Float32Array.from(x), frames, coeffs, c, new Rng(1));
    expect(a).toEqual(b);
    expect(a.length).toBe(x.length);
    const zeroRows = Array.from({ length: frames }, (_, t) =>
      a.subarray(t * coeffs, (t + 1) * coeffs).every((v) => v === 0),
    ).filter(Boolean).length;
    const zeroCols = Array.from({ length: coeffs }, (_, f) =>
      Array.from({ length: frames }, (_, t) => a[t * coeffs + f]).every((v) => v === 0),
    ).filter(Boolean).length;
    expect(zeroRows).toBeLessThanOrEqual(4);
    expect(zeroCols).toBeLessThanOrEqual(3);
    // Every zero lies in a masked row or column.
    for (let t = 0; t < frames; t++)
      for (let f = 0; f < coeffs; f++)
        if (a[t * coeffs + f] === 0) {
          const row = a.subarray(t * coeffs, (t + 1) * coeffs).every((v) => v === 0);
          const col = Array.from({ length: frames }, (_, u) => a[u * coeffs + f]).every(
            (v) => v === 0,
          );
          expect(row || col).toBe(true);
        }
    const none = { timeMasks: 0, timeMaskMax: 4, freqMasks: 0, freqMaskMax: 3 };
    expect(specAugment(Float32Array.from(x), frames, coeffs, none, new Rng(1))).toEqual(x);
  });
});

describe("mixed batches", () => {
  it("splits a batch by shares, the first source taking the rounding", () => {
    expect(shareCounts([0.7, 0.3], 64)).toEqual([45, 19]);
    expect(shareCounts([0.5, 0.25, 0.25], 10)).toEqual([4, 3, 3]);
    expect(() => shareCounts([0.99, 0.01], 16)).toThrow(/no example/);
    expect(() => shareCounts([0.5, 1.5], 16)).toThrow(/not in/);
  });

  it("draws each source's share of every batch from that source, the same for the same index", async () => {
    const cfg = config({ mix: [{ data: join(root, "b"), share: 0.25 }] });
    const data = await loadTrainingData(cfg);
    const norm = computeInputNorm(data.trainSet);
    const stream = makeBatchStream(cfg, data, norm);
    const b0 = stream.batch(0);
    expect(b0.labels.length).toBe(12);
    expect(b0.x.length).toBe(12 * data.trainSet.frames * data.trainSet.coeffs);
    expect(stream.batch(0)).toEqual(b0);
    expect(stream.batch(1)).not.toEqual(b0);
    // Source b's "cat" clips are its _unknown_: its 3 rows per batch come from b's examples.
    const mixSet = data.mixes[0].set;
    expect(mixSet.labels.length).toBeGreaterThan(0);
    expect(
      mixSet.examples.every((e) => e.kind !== "file" || e.path.startsWith(join(root, "b"))),
    ).toBe(true);
  });
});

describe("unknown boost", () => {
  it("adds its share of every batch from the training set's _unknown_ examples", async () => {
    const cfg = config({ unknownBoost: 0.25 });
    const data = await loadTrainingData(cfg);
    const norm = computeInputNorm(data.trainSet);
    const unknown = data.task.labels.indexOf("_unknown_");
    const plain = makeBatchStream(config(), data, norm);
    const boosted = makeBatchStream(cfg, data, norm);
    let before = 0;
    let after = 0;
    for (let i = 0; i < 10; i++) {
      const b = boosted.batch(i);
      // Sources fill a batch in order: the boost's 3 rows of 12 come last.
      expect([...b.labels.subarray(9)]).toEqual([unknown, unknown, unknown]);
      after += b.labels.filter((l) => l === unknown).length;
      before += plain.batch(i).labels.filter((l) => l === unknown).length;
    }
    expect(after).toBeGreaterThanOrEqual(before + 30 - 10);
    const { set, rows } = unknownSubset(data);
    expect(rows.every((r) => data.trainSet.labels[r] === unknown)).toBe(true);
    expect(set.labels.length).toBe(data.trainSet.labels.filter((l) => l === unknown).length);
  });

  it("refuses a training set without _unknown_ examples", async () => {
    const cfg = config({ keywords: ["yes", "no", "bed"], unknownBoost: 0.25 });
    const data = await loadTrainingData(cfg);
    expect(() => makeBatchStream(cfg, data, computeInputNorm(data.trainSet))).toThrow(
      /no _unknown_ examples/,
    );
  });
});

describe("prefetch", () => {
  it("batches made in a worker thread equal the in-process ones, bit for bit", async () => {
    const cfg = config({ mix: [{ data: join(root, "b"), share: 0.25 }], prefetchWorkers: 1 });
    const data = await loadTrainingData(cfg);
    const norm = computeInputNorm(data.trainSet);
    const local = inProcess(makeBatchStream(cfg, data, norm));
    const remote = await openBatchStream(cfg, data, norm);
    try {
      for (const i of [0, 1, 2, 7]) {
        const [a, b] = [await local.batch(i), await remote.batch(i)];
        expect(b.labels).toEqual(a.labels);
        expect(b.x).toEqual(a.x);
      }
    } finally {
      await remote.close();
    }
  });

  it("one and two workers make byte-identical batches under the speaker augmentations", async () => {
    // Batch i's randomness forks from (seed, i): which worker makes it, and what that worker
    // made before, cannot change it. Vocal tract warp, reverb and babble draw the most from it.
    const cfg = config({
      augment: {
        fraction: 0.5,
        config: {
          timeShiftMs: 100,
          gainDb: [-6, 6],
          speed: [0.9, 1.1],
          vtlp: [0.9, 1.1],
          reverb: { probability: 0.3, rt60Ms: [100, 300], wet: [0.1, 0.6] },
          babble: { probability: 0.5, talkers: [1, 2], snrDb: [5, 20] },
          noise: null,
        },
      },
    });
    const data = await loadTrainingData(cfg);
    const norm = computeInputNorm(data.trainSet);
    const one = await openBatchStream({ ...cfg, prefetchWorkers: 1 }, data, norm);
    const two = await openBatchStream({ ...cfg, prefetchWorkers: 2 }, data, norm);
    const bytes = (a: Float32Array | Int32Array) =>
      Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    try {
      // Consecutive steps (the loop's order), then one after a jump.
      for (const i of [0, 1, 2, 3, 9]) {
        const [a, b] = [await one.batch(i), await two.batch(i)];
        expect(bytes(b.labels).equals(bytes(a.labels))).toBe(true);
        expect(bytes(b.x).equals(bytes(a.x))).toBe(true);
      }
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it("auto asks for one worker per core (less one for the step with the addon, unless a teacher runs in the worker), less the cores other replicas keep busy", () => {
    expect(autoPrefetchWorkers(1, 1, false)).toBe(1);
    expect(autoPrefetchWorkers(2, 1, false)).toBe(2);
    expect(autoPrefetchWorkers(64, 1, false)).toBe(16);
    expect(autoPrefetchWorkers(4, 2, false)).toBe(3);
    expect(autoPrefetchWorkers(2, 4, false)).toBe(1);
    // The addon's augmentation costs less than a step: one core is left to it.
    expect(autoPrefetchWorkers(1, 1, true)).toBe(1);
    expect(autoPrefetchWorkers(2, 1, true)).toBe(1);
    expect(autoPrefetchWorkers(4, 2, true)).toBe(2);
    expect(autoPrefetchWorkers(64, 1, true)).toBe(16);
    // An online teacher in the worker makes the batch dearer than the step again.
    expect(autoPrefetchWorkers(2, 1, true, true)).toBe(2);
    expect(autoPrefetchWorkers(4, 2, true, true)).toBe(3);
    const teacher = { models: ["t.esm"], weight: 0.5, temperature: 2 };
    expect(prefetchWorkerCount({ prefetchWorkers: "auto", teacher })).toBe(
      autoPrefetchWorkers(availableParallelism(), 1, nativeAddon() !== null, true),
    );
    expect(prefetchWorkerCount({ prefetchWorkers: 3 })).toBe(3);
    expect(prefetchWorkerCount({})).toBe(0);
    expect(prefetchWorkerCount({ prefetchWorkers: "auto" })).toBe(autoPrefetchWorkers());
  });

  it("a worker that cannot load the data fails the stream with its reason", async () => {
    const cfg = config({ prefetchWorkers: 1 });
    const data = await loadTrainingData(cfg);
    const norm = computeInputNorm(data.trainSet);
    const bad = { ...cfg, data: join(root, "missing") };
    await expect(openBatchStream(bad, data, norm)).rejects.toThrow(/batch worker: .*missing/);
  });
});

describe("speaker split with mixed sources", () => {
  it("no speaker of the primary's validation or test subsets trains, even when a source brings them", async () => {
    // Mixing the primary data with itself is the worst case: every held-out speaker is offered.
    const cfg = config({
      mix: [
        { data: join(root, "a"), share: 0.25 },
        { data: join(root, "b"), share: 0.25 },
      ],
    });
    const data = await loadTrainingData(cfg);
    const speakers = (examples: readonly { kind: string; speaker?: string | null }[]) =>
      new Set(examples.flatMap((e) => (e.kind === "file" && e.speaker ? [e.speaker] : [])));
    const heldOut = speakers([...data.task.examples.validation, ...data.task.examples.test]);
    expect(heldOut.size).toBeGreaterThan(0);
    const training = speakers([
      ...data.trainSet.examples,
      ...data.mixes.flatMap((m) => m.set.examples),
    ]);
    for (const s of heldOut) expect(training.has(s)).toBe(false);
    // The primary's own train speakers still come in through the self-mix.
    expect(data.mixes[0].set.labels.length).toBeGreaterThan(0);
  });
});

describe("augmented copies", () => {
  const augmenterOf = (cfg: TrainConfig, data: TrainingData) => {
    const a = makeAugment(cfg, data);
    if (!a) throw new Error("test config has no augmentation");
    return a.augmenter;
  };
  const copiesConfig = (cacheDir: string, copies: number, gainDb: [number, number] = [-6, 6]) =>
    config({
      cacheDir,
      augment: {
        fraction: 1,
        copies,
        config: { timeShiftMs: 100, gainDb, speed: [0.9, 1.1], vtlp: [0.9, 1.1], noise: null },
      },
      specAugment: null,
    });

  it("a copy is made once, stored, read back the same, and remade when its entry is torn", async () => {
    const dir = join(root, "copies-unit");
    const cfg = copiesConfig(dir, 3);
    const data = await loadTrainingData(cfg);
    const augmenter = augmenterOf(cfg, data);
    const copies = new AugmentedCopies(augmenter, data.cache, 3, cfg.seed);
    const ex = data.trainSet.examples[0];
    const before = cacheFiles(dir);
    const a = copies.get(ex, 0);
    expect(cacheFiles(dir).length).toBe(before.length + 1);
    const fresh = new AugmentedCopies(augmenter, data.cache, 3, cfg.seed);
    expect(fresh.get(ex, 0)).toEqual(a);
    expect(cacheFiles(dir).length).toBe(before.length + 1);
    // A different copy, seed or augmentation config is a different augmented clip.
    expect(copies.get(ex, 1)).not.toEqual(a);
    expect(new AugmentedCopies(augmenter, data.cache, 3, cfg.seed + 1).get(ex, 0)).not.toEqual(a);
    const other = augmenterOf(copiesConfig(dir, 3, [-1, 1]), data);
    expect(new AugmentedCopies(other, data.cache, 3, cfg.seed).get(ex, 0)).not.toEqual(a);
    // The clean features are not an augmented copy.
    expect(a).not.toEqual(data.trainSet.data.subarray(0, a.length));
    // A torn entry (wrong size) is made again rather than read.
    const added = cacheFiles(dir).filter((f) => !before.includes(f));
    for (const f of added) writeFileSync(f, new Uint8Array(10));
    expect(new AugmentedCopies(augmenter, data.cache, 3, cfg.seed).get(ex, 0)).toEqual(a);
    expect(() => copies.get(ex, 3)).toThrow(/out of range/);
    expect(() => new AugmentedCopies(augmenter, data.cache, 0, 1)).toThrow(/whole number/);
  });

  it("batches draw only `copies` augmented forms per example, the same from workers with their own cache", async () => {
    const cfg = copiesConfig(join(root, "copies-a"), 2);
    const data = await loadTrainingData(cfg);
    const norm = computeInputNorm(data.trainSet);
    const here = inProcess(makeBatchStream(cfg, data, norm));
    // Workers with another cache folder compute every copy themselves.
    const there = await openBatchStream(
      { ...cfg, cacheDir: join(root, "copies-b"), prefetchWorkers: 2 },
      data,
      norm,
    );
    const rows = new Set<string>();
    const n = data.trainSet.labels.length;
    const size = data.trainSet.frames * data.trainSet.coeffs;
    const bytes = (a: Float32Array | Int32Array) =>
      Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    try {
      // Four passes over the train set: fresh augmentation would give ~4n distinct rows.
      const batches = Math.ceil((4 * n) / cfg.batchSize);
      for (let i = 0; i < batches; i++) {
        const [a, b] = [await here.batch(i), await there.batch(i)];
        expect(bytes(b.x).equals(bytes(a.x))).toBe(true);
        expect(bytes(b.labels).equals(bytes(a.labels))).toBe(true);
        for (let r = 0; r < cfg.batchSize; r++)
          rows.add(bytes(a.x.subarray(r * size, (r + 1) * size)).toString("base64"));
      }
    } finally {
      await Promise.all([here.close(), there.close()]);
    }
    expect(rows.size).toBeLessThanOrEqual(2 * n);
    expect(rows.size).toBeGreaterThan(n);
  });
});
