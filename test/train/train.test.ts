// The training loop end to end on a tiny synthetic corpus (tones in the Speech Commands layout):
// it learns, checkpoints load back for eval, and a resumed run equals an uninterrupted one.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../host/data/rng";
import { writeWav16 } from "../../host/data/wav/write";
import { evalModel } from "../../host/eval/model";
import { resolveTrainConfig, type TrainConfig, train } from "../../host/train/loop";

// Each word has its own sound: a pure tone, a noise burst, a harmonic buzz, and a high tone
// for "bed" (the "unknown" word); random onset, length and level, plus a little noise.
type Kind = "tone" | "noise" | "buzz";
const WORDS: Record<string, [Kind, number]> = {
  yes: ["tone", 500],
  no: ["noise", 0],
  up: ["buzz", 220],
  bed: ["tone", 2400],
};
let root: string;

function clip(rng: Rng, [kind, hz]: [Kind, number]): Float32Array {
  const x = new Float32Array(16000);
  const start = rng.int(4000);
  const len = 6000 + rng.int(5000);
  const amp = 0.1 + 0.3 * rng.next();
  const f = hz * (0.95 + 0.1 * rng.next());
  for (let i = 0; i < x.length; i++) {
    const t = (2 * Math.PI * f * i) / 16000;
    const v =
      kind === "tone"
        ? Math.sin(t)
        : kind === "noise"
          ? rng.normal() * 0.5
          : Math.sign(Math.sin(t)) * 0.7;
    x[i] = (i >= start && i < start + len ? amp * v : 0) + 0.005 * rng.normal();
  }
  return x;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "earshot-train-"));
  const data = join(root, "data");
  const rng = new Rng(7);
  for (const [word, sound] of Object.entries(WORDS)) {
    mkdirSync(join(data, word), { recursive: true });
    for (let s = 0; s < 16; s++) {
      for (let n = 0; n < 3; n++) {
        const speaker = (0x1000_0000 + s * 7919 + word.length * 104729).toString(16);
        writeWav16(join(data, word, `${speaker}_nohash_${n}.wav`), clip(rng, sound));
      }
    }
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function config(out: string, over: Partial<TrainConfig> = {}): TrainConfig {
  return resolveTrainConfig({
    data: join(root, "data"),
    model: "res8-narrow",
    modelConfig: { filters: 8, blocks: 1 },
    out: join(root, out),
    keywords: ["yes", "no", "up"],
    splitMode: "speaker",
    epochs: 3,
    stepsPerEpoch: 20,
    batchSize: 16,
    lr: { start: 1e-2, end: 1e-4, power: 1 },
    seed: 3,
    cacheDir: join(root, "cache"),
    augment: { fraction: 0.25, config: { timeShiftMs: 100, noise: null } },
    ...over,
  });
}

/** Trains `cfg`, stops it after its first epoch, then runs it again to resume. */
async function interruptedThenResumed(cfg: TrainConfig) {
  await expect(
    train(cfg, {
      onEpoch: (e) => {
        if (e.epoch === 1) throw new Error("interrupted");
      },
    }),
  ).rejects.toThrow("interrupted");
  return train(cfg);
}

describe("train", () => {
  it("learns the tiny corpus: loss falls, accuracy far above chance, eval reads the checkpoint", async () => {
    const cfg = config("learn");
    const result = await train(cfg);
    const [first, , last] = result.epochs;
    expect(result.labels).toEqual(["_silence_", "_unknown_", "yes", "no", "up"]);
    expect(last.trainLoss).toBeLessThan(first.trainLoss * 0.8);
    // 5 classes: chance is 20%.
    expect(result.bestValAccuracy).toBeGreaterThan(0.6);

    const report = await evalModel({
      model: cfg.out,
      data: cfg.data,
      splitMode: "speaker",
      cacheDir: cfg.cacheDir,
    });
    expect(report.n).toBeGreaterThan(0);
    expect(report.accuracy).toBeGreaterThan(0.6);
    expect(report.confusion.flat().reduce((a, b) => a + b, 0)).toBe(report.n);
    expect(Object.keys(report.perClass)).toEqual(result.labels);
    const log = readFileSync(join(cfg.out, "train.jsonl"), "utf8").trim().split("\n");
    expect(log.map((l) => JSON.parse(l).type)).toContain("epoch");
  });

  it("res8-stream (res8 causal along time, for streaming inference) learns too: loss falls", async () => {
    const cfg = config("stream", { model: "res8-stream", epochs: 2 });
    const result = await train(cfg);
    const [first, last] = result.epochs;
    expect(last.trainLoss).toBeLessThan(first.trainLoss * 0.9);
  });

  it("resuming after an interruption gives the same weights as an uninterrupted run", async () => {
    const straight = await train(config("straight", { epochs: 2 }));
    const resumed = await interruptedThenResumed(config("resumed", { epochs: 2 }));
    expect(resumed.epochs.map((e) => e.trainLoss)).toEqual(straight.epochs.map((e) => e.trainLoss));
    const a = readFileSync(join(straight.lastDir, "weights.bin"));
    const b = readFileSync(join(resumed.lastDir, "weights.bin"));
    expect(b.equals(a)).toBe(true);
  });

  it("with mixup: it learns, and a resumed run equals an uninterrupted one; distillation is refused beside it", async () => {
    const straight = await train(config("mixup-straight", { epochs: 2, mixup: 0.4 }));
    const [first, last] = straight.epochs;
    expect(last.trainLoss).toBeLessThan(first.trainLoss);
    // 5 classes: chance is 20%.
    expect(straight.bestValAccuracy).toBeGreaterThan(0.4);
    // The mixes change the steps (the same run without them has other losses) ...
    const plain = await train(config("mixup-plain", { epochs: 2 }));
    expect(plain.epochs[0].trainLoss).not.toBe(first.trainLoss);
    // ... and are drawn per step, so an interruption does not change them.
    const resumed = await interruptedThenResumed(
      config("mixup-resumed", { epochs: 2, mixup: 0.4 }),
    );
    expect(resumed.epochs.map((e) => e.trainLoss)).toEqual(straight.epochs.map((e) => e.trainLoss));
    const a = readFileSync(join(straight.lastDir, "weights.bin"));
    expect(readFileSync(join(resumed.lastDir, "weights.bin")).equals(a)).toBe(true);
    await expect(
      train(
        config("mixup-distill", { mixup: 0.2, distillSet: { dir: root, share: 0.3, weight: 0.5 } }),
      ),
    ).rejects.toThrow(/mixup and distillation both set the soft targets/);
    await expect(train(config("mixup-bad", { mixup: -1 }))).rejects.toThrow(
      /mixup alpha must be a positive number \(got -1\)/,
    );
  });

  it("--from refuses a checkpoint of another network before training", async () => {
    const donor = await train(config("donor", { epochs: 1 }));
    await expect(
      train(config("other-net", { model: "res8-stream", from: donor.bestDir, precision: "int8" })),
    ).rejects.toThrow(/is a res8-narrow checkpoint; this run trains res8-stream/);
  });

  it("with a weight average: best holds the average, and a resumed run equals an uninterrupted one", async () => {
    const one = await train(config("average-one", { epochs: 1, weightAverage: 0.9 }));
    // One epoch: that epoch is the best, and best/ holds the average last/ carries on with.
    expect(one.epochs[0].best).toBe(true);
    const best = readFileSync(join(one.bestDir, "weights.bin"));
    expect(best.equals(readFileSync(join(one.lastDir, "average.bin")))).toBe(true);
    expect(best.equals(readFileSync(join(one.lastDir, "weights.bin")))).toBe(false);
    expect(readFileSync(join(one.bestDir, "..", "average", "weights.bin")).equals(best)).toBe(true);

    const straight = await train(config("average-straight", { epochs: 2, weightAverage: 0.9 }));
    const resumed = await interruptedThenResumed(
      config("average-resumed", { epochs: 2, weightAverage: 0.9 }),
    );
    expect(resumed.epochs.map((e) => e.valAccuracy)).toEqual(
      straight.epochs.map((e) => e.valAccuracy),
    );
    for (const f of ["weights.bin", "average.bin"]) {
      const a = readFileSync(join(straight.lastDir, f));
      expect(readFileSync(join(resumed.lastDir, f)).equals(a)).toBe(true);
    }
  });
});
