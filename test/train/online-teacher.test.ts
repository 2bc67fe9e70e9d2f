// The online teacher (`train --teacher FILE.esm`): every batch row's soft targets are the
// exported model's probabilities on exactly that row (after augmentation), at the temperature,
// computed through the teacher's own normalization; a teacher for another task is refused by
// name; a batch worker gives the same targets as the main thread; the trainer refuses two
// sources of soft targets at once.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frontEndFromKeyValues } from "../../device/runtime/frontend-config";
import { frontEndKeys } from "../../host/compress/export-file";
import { IntEvaluator } from "../../host/compress/int-eval";
import {
  SYNTHETIC_FRONT_END,
  SYNTHETIC_LABELS,
  syntheticInt8Model,
} from "../../host/compress/synthetic-models";
import { Rng } from "../../host/data/rng";
import { computeInputNorm } from "../../host/train/features";
import { resolveTrainConfig, train } from "../../host/train/loop";
import { OnlineTeacher, type StudentInput } from "../../host/train/online-teacher";
import { inProcess, openBatchStream } from "../../host/train/prefetch";
import { loadTrainingData, makeBatchStream } from "../../host/train/training-data";
import { encodeModel } from "../../shared/model-format/encode";
import type { DeviceModel } from "../../shared/model-format/types";
import { FIXTURE_SPEECH } from "../speech-data";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "earshot-online-teacher-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function writeModel(name: string, model: DeviceModel): string {
  const file = join(root, name);
  writeFileSync(file, Uint8Array.from(encodeModel(model)));
  return file;
}

const FRAMES = 12;
const COEFFS = 10;
const student = (over: Partial<StudentInput> = {}): StudentInput => ({
  frames: FRAMES,
  coeffs: COEFFS,
  labels: SYNTHETIC_LABELS,
  frontEnd: frontEndFromKeyValues(SYNTHETIC_FRONT_END),
  norm: {
    mean: Array.from({ length: COEFFS }, (_, c) => 0.5 - 0.1 * c),
    std: Array.from({ length: COEFFS }, (_, c) => 1 + 0.2 * c),
  },
  ...over,
});

/** The teacher's probabilities by the reference evaluator, on the raw (un-normalized) row. */
function referenceProbs(model: DeviceModel, raw: number[], temperature: number): number[] {
  const p = new IntEvaluator(model).run(raw).scores.map((v) => Math.max(0, v) ** (1 / temperature));
  const s = p.reduce((a, b) => a + b, 0);
  return p.map((v) => v / s);
}

describe("online teacher targets", () => {
  const model = syntheticInt8Model({ seed: 5 });
  const rows = 6;
  const s = student();
  const rng = new Rng(3);
  const raw = Array.from({ length: rows }, () =>
    Array.from({ length: FRAMES * COEFFS }, () => 3 * rng.normal()),
  );
  // The batch as the trainer holds it: normalized by the student's norm.
  const x = Float32Array.from(
    raw.flatMap((r) => r.map((v, i) => (v - s.norm.mean[i % COEFFS]) / s.norm.std[i % COEFFS])),
  );
  // What the teacher then sees: x mapped back, in float32 as the batch stores it.
  const seen = raw.map((_, r) =>
    Array.from(
      { length: FRAMES * COEFFS },
      (_, i) => x[r * FRAMES * COEFFS + i] * s.norm.std[i % COEFFS] + s.norm.mean[i % COEFFS],
    ),
  );

  it("are the model's probabilities on each row, sharpened or flattened by the temperature", () => {
    const file = writeModel("t.esm", model);
    for (const temperature of [1, 2, 4]) {
      const t = new OnlineTeacher({ models: [file], weight: 0.5, temperature }, s);
      const out = new Float32Array(rows * SYNTHETIC_LABELS.length);
      t.targets(x, rows, out);
      for (let r = 0; r < rows; r++) {
        const got = Array.from(out.subarray(r * 4, r * 4 + 4));
        const want = referenceProbs(model, seen[r], temperature);
        got.forEach((v, c) => {
          expect(v).toBeCloseTo(want[c], 6);
        });
        expect(got.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      }
    }
    // Not a constant: rows differ, and a higher temperature flattens a row.
    const at = (temperature: number) => {
      const out = new Float32Array(rows * 4);
      new OnlineTeacher({ models: [file], weight: 0.5, temperature }, s).targets(x, rows, out);
      return out;
    };
    const [t1, t4] = [at(1), at(4)];
    expect(
      new Set(Array.from({ length: rows }, (_, r) => t1[r * 4].toFixed(5))).size,
    ).toBeGreaterThan(1);
    const peak = (o: Float32Array, r: number) => Math.max(...o.subarray(r * 4, r * 4 + 4));
    for (let r = 0; r < rows; r++) expect(peak(t4, r)).toBeLessThanOrEqual(peak(t1, r) + 1e-7);
  });

  it("teaches as an ensemble with the members' mean probabilities, each in its own normalization", () => {
    const other = syntheticInt8Model({ seed: 11 });
    const onorm = {
      mean: Array.from({ length: COEFFS }, (_, c) => 0.2 * c),
      std: Array.from({ length: COEFFS }, () => 1.5),
    };
    const a = writeModel("ens-a.esm", model);
    const b = writeModel("ens-b.esm", {
      ...other,
      meta: [
        ...other.meta,
        ...onorm.mean.map((v, c) => ({ key: `inputNorm.mean.${c}`, value: v })),
        ...onorm.std.map((v, c) => ({ key: `inputNorm.std.${c}`, value: v })),
      ],
    });
    const targets = (models: string[]) => {
      const out = new Float32Array(rows * 4);
      new OnlineTeacher({ models, weight: 0.5, temperature: 2 }, s).targets(x, rows, out);
      return out;
    };
    const [ta, tb, both] = [targets([a]), targets([b]), targets([a, b])];
    for (let r = 0; r < rows; r++) {
      const tin = seen[r].map((v, i) => (v - onorm.mean[i % COEFFS]) / onorm.std[i % COEFFS]);
      const wantB = referenceProbs(other, tin, 2);
      for (let c = 0; c < 4; c++) {
        const i = r * 4 + c;
        expect(tb[i]).toBeCloseTo(wantB[c], 3);
        expect(both[i]).toBeCloseTo((ta[i] + tb[i]) / 2, 6);
      }
    }
    // The two members disagree somewhere, so the mean is neither of them.
    expect(Array.from(ta).some((v, i) => Math.abs(v - tb[i]) > 1e-3)).toBe(true);
    expect(() => targets([])).toThrow(/--teacher: no model file given/);
    expect(() => targets([a, join(root, "gone.esm")])).toThrow(/gone\.esm: cannot read/);
  });

  it("normalizes each row with the teacher's own input normalization", () => {
    const tnorm = {
      mean: Array.from({ length: COEFFS }, (_, c) => -0.3 * c),
      std: Array.from({ length: COEFFS }, (_, c) => 2 - 0.1 * c),
    };
    const normed: DeviceModel = {
      ...model,
      meta: [
        ...model.meta,
        ...tnorm.mean.map((v, c) => ({ key: `inputNorm.mean.${c}`, value: v })),
        ...tnorm.std.map((v, c) => ({ key: `inputNorm.std.${c}`, value: v })),
      ],
    };
    const file = writeModel("normed.esm", normed);
    const out = new Float32Array(rows * 4);
    new OnlineTeacher({ models: [file], weight: 0.5, temperature: 1 }, s).targets(x, rows, out);
    for (let r = 0; r < rows; r++) {
      const tin = seen[r].map((v, i) => (v - tnorm.mean[i % COEFFS]) / tnorm.std[i % COEFFS]);
      const want = referenceProbs(model, tin, 1);
      Array.from(out.subarray(r * 4, r * 4 + 4)).forEach((v, c) => {
        // The file keeps the norm at float32: close, not equal.
        expect(v).toBeCloseTo(want[c], 3);
      });
    }
  });

  it("refuses a teacher for another task, naming what differs", () => {
    const file = writeModel("ok.esm", model);
    const make = (over: Partial<StudentInput>) => () =>
      new OnlineTeacher({ models: [file], weight: 0.5, temperature: 2 }, student(over));
    expect(make({ labels: ["_silence_", "_unknown_", "no", "yes"] })).toThrow(
      /--teacher .*ok\.esm: its classes \(_silence_, _unknown_, yes, no\) differ/,
    );
    expect(make({ frames: 49 })).toThrow(/its input is 12 x 10 features, the run's 49 x 10/);
    expect(
      make({ frontEnd: { ...frontEndFromKeyValues(SYNTHETIC_FRONT_END), fMax: 7600 } }),
    ).toThrow(/its front end's fMax is 4000, the run's 7600/);
    const bad = join(root, "bad.esm");
    writeFileSync(bad, "not a model at all");
    expect(
      () => new OnlineTeacher({ models: [bad], weight: 0.5, temperature: 2 }, student()),
    ).toThrow(/--teacher .*bad\.esm: not a valid earshot model/);
    expect(
      () =>
        new OnlineTeacher(
          { models: [join(root, "none.esm")], weight: 0.5, temperature: 2 },
          student(),
        ),
    ).toThrow(/--teacher .*none\.esm: cannot read \(ENOENT\)/);
  });
});

describe("online teacher in training", () => {
  const base = () => ({
    data: FIXTURE_SPEECH.full,
    model: "res8-narrow",
    modelConfig: { filters: 4, blocks: 1 },
    out: join(root, "out"),
    keywords: ["yes", "no"],
    batchSize: 8,
    seed: 1,
    cacheDir: join(root, "cache"),
  });

  /** A teacher for the fixture task: the synthetic CNN over the run's window and front end. */
  async function fixtureTeacher(): Promise<string> {
    const probe = await loadTrainingData(resolveTrainConfig(base()));
    expect(probe.task.labels).toEqual(SYNTHETIC_LABELS);
    const { frames, coeffs } = probe.trainSet;
    const m = syntheticInt8Model({ seed: 9, frames, coeffs });
    return writeModel("fixture.esm", { ...m, frontEnd: frontEndKeys(probe.frontEnd) });
  }

  it("gives every augmented row the teacher's targets on that row, in a worker as in process", async () => {
    const teacher = { models: [await fixtureTeacher()], weight: 0.5, temperature: 2 };
    const cfg = resolveTrainConfig({ ...base(), teacher });
    const data = await loadTrainingData(cfg);
    const norm = computeInputNorm(data.trainSet);
    const b = makeBatchStream(cfg, data, norm).batch(3);
    // The same batch without the teacher: same rows, so the targets are the teacher's on them.
    const plain = makeBatchStream({ ...cfg, teacher: undefined }, data, norm).batch(3);
    expect(plain.targets).toBeUndefined();
    expect(b.x).toEqual(plain.x);
    const { frames, coeffs } = data.trainSet;
    const want = new Float32Array(8 * 4);
    new OnlineTeacher(teacher, {
      frames,
      coeffs,
      labels: data.task.labels,
      frontEnd: data.frontEnd,
      norm,
    }).targets(plain.x, 8, want);
    expect(b.targets).toEqual(want);
    for (let r = 0; r < 8; r++)
      expect(Array.from(want.subarray(r * 4, r * 4 + 4)).reduce((a, v) => a + v, 0)).toBeCloseTo(
        1,
        5,
      );
    const worker = await openBatchStream({ ...cfg, prefetchWorkers: 1 }, data, norm);
    try {
      const w = await worker.batch(3);
      expect(w.x).toEqual(b.x);
      expect(w.targets).toEqual(b.targets);
    } finally {
      await worker.close();
    }
    const local = inProcess(makeBatchStream(cfg, data, norm));
    expect((await local.batch(3)).targets).toEqual(b.targets);
  }, 120_000);

  it("trains with the teacher's loss, and refuses a second source of soft targets", async () => {
    const teacher = { models: [await fixtureTeacher()], weight: 0.7, temperature: 2 };
    const cfg = resolveTrainConfig({
      ...base(),
      out: join(root, "run"),
      teacher,
      epochs: 2,
      stepsPerEpoch: 3,
    });
    const lines: string[] = [];
    const r = await train(cfg, { info: (l) => lines.push(l) });
    expect(r.epochs.every((e) => Number.isFinite(e.trainLoss))).toBe(true);
    expect(lines.some((l) => l.startsWith(`teacher: ${teacher.models[0]}`))).toBe(true);
    await expect(
      train(resolveTrainConfig({ ...base(), out: join(root, "mx"), teacher, mixup: 0.2 })),
    ).rejects.toThrow(/--teacher and mixup \/ --distill \/ --distill-set all set the soft targets/);
  }, 120_000);

  it("`train --teacher` names a file it cannot use in one line", () => {
    const cli = resolve(import.meta.dirname, "../../bin/earshot.js");
    const bad = join(root, "nope.esm");
    writeFileSync(bad, "garbage");
    const r = spawnSync(
      process.execPath,
      [
        cli,
        "train",
        "--data",
        FIXTURE_SPEECH.full,
        "--keywords",
        "yes,no",
        "--model",
        "res8-narrow",
        "--epochs",
        "1",
        "--steps-per-epoch",
        "1",
        "--out",
        join(root, "cli"),
        "--teacher",
        bad,
      ],
      { encoding: "utf8", timeout: 300_000 },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--teacher .*nope\.esm: not a valid earshot model/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 300_000);
});
