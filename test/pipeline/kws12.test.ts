// The kws12 recipe's pipeline: which earshot commands each variant runs, and that the synthetic
// variant never trains, selects or calibrates its activations on a real keyword clip.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Kws12Options, kws12Steps, modelFileName } from "../../host/pipeline/kws12";
import { checkResumable } from "../../host/pipeline/kws12-resume";
import { detPoint } from "../stream/points";

const base: Kws12Options = {
  out: "/o",
  variant: "int8",
  model: "res8-narrow",
  real: "/real",
  realSplit: "speaker",
  noise: "/noise",
  synthShare: 0.3,
  epochs: 20,
  qatEpochs: 4,
  stepsPerEpoch: 150,
  seed: 0,
  streamMinutes: 10,
  targetFaPerHour: 1,
};
const flag = (args: string[], f: string) => args[args.indexOf(f) + 1];

describe("kws12 pipeline", () => {
  it("int8: corpus, float on real train speakers with the corpus mixed in, QAT from its best, export, calibration on validation speakers, DET and score on test speakers", () => {
    const steps = kws12Steps(base);
    expect(steps.map((s) => s.args.slice(0, 2).join(" "))).toEqual([
      "data synth",
      "train --recipe",
      "train --recipe",
      "export --model",
      "stream build",
      "calibrate --model",
      "stream build",
      "stream eval",
      "eval --model",
      "inspect /o/kws12-int8.esm",
    ]);
    const [, float, qat, exp, calStream, , testStream] = steps.map((s) => s.args);
    expect(flag(float, "--data")).toBe("/real");
    expect(flag(float, "--mix")).toBe("/o/corpus:0.3");
    expect(flag(qat, "--from")).toBe("/o/float/best");
    expect(flag(qat, "--precision")).toBe("int8");
    expect(flag(exp, "--stride")).toBe("10");
    expect(flag(calStream, "--subset")).toBe("validation");
    expect(flag(testStream, "--subset")).toBe("test");
  });

  it("--synth-share 0 trains on real speech alone: no corpus is made or mixed in", () => {
    const steps = kws12Steps({ ...base, synthShare: 0 });
    expect(steps.some((s) => s.args[0] === "data")).toBe(false);
    const train = steps.filter((s) => s.args[0] === "train");
    expect(train).toHaveLength(2);
    for (const t of train) {
      expect(flag(t.args, "--data")).toBe("/real");
      expect(t.args).not.toContain("--mix");
    }
    for (const s of steps) expect(s.args.join(" ")).not.toContain("/o/corpus");
  });

  it("--model res8-stream reaches both training steps (QAT's --from alone would take the recipe's model); its file is named apart", () => {
    const o = { ...base, model: "res8-stream" } as const;
    const steps = kws12Steps(o);
    const train = steps.filter((s) => s.args[0] === "train");
    expect(train.map((t) => flag(t.args, "--model"))).toEqual(["res8-stream", "res8-stream"]);
    expect(train[0].name).toBe("train res8-stream (float)");
    expect(modelFileName(o)).toBe("kws12-int8-stream.esm");
    expect(modelFileName(base)).toBe("kws12-int8.esm");
    const file = "/o/kws12-int8-stream.esm";
    for (const cmd of ["calibrate", "stream eval", "eval"]) {
      const s = steps.find((x) => x.args.join(" ").startsWith(`${cmd} --`));
      expect(s?.args.includes(file), cmd).toBe(true);
    }
    for (const t of kws12Steps(base).filter((s) => s.args[0] === "train"))
      expect(flag(t.args, "--model")).toBe("res8-narrow");
  });

  it("--model ds-stream trains and names its own file, exported at a stride its pool divides", () => {
    const o = { ...base, model: "ds-stream" } as const;
    const steps = kws12Steps(o);
    const train = steps.filter((s) => s.args[0] === "train");
    expect(train.map((t) => flag(t.args, "--model"))).toEqual(["ds-stream", "ds-stream"]);
    expect(modelFileName(o)).toBe("kws12-int8-ds-stream.esm");
    const exp = steps.find((s) => s.args[0] === "export")?.args ?? [];
    expect(flag(exp, "--stride")).toBe("10");
    const pooled = kws12Steps({ ...o, modelConfig: { pool: [4, 3] } });
    expect(flag(pooled.find((s) => s.args[0] === "export")?.args ?? [], "--stride")).toBe("8");
  });

  it("synth-int8: no real keyword clip trains, selects or calibrates; only the score reads real speech", () => {
    const steps = kws12Steps({ ...base, variant: "synth-int8", corpus: "/corpus" });
    const byName = (cmd: string) => steps.filter((s) => s.args.join(" ").startsWith(cmd));
    for (const t of byName("train")) {
      expect(flag(t.args, "--data")).toBe("/corpus");
      expect(t.args).not.toContain("--mix");
    }
    expect(flag(byName("train")[1].args, "--from")).toBe("/o/float/last");
    expect(flag(byName("export")[0].args, "--calib")).toBe("/corpus");
    expect(flag(byName("export")[0].args, "--model")).toBe("/o/qat/last");
    expect(steps.some((s) => s.args[0] === "data")).toBe(false);
  });

  it("binary: res8-bin trained binary, no QAT step; a full dataset keeps its own split", () => {
    const steps = kws12Steps({ ...base, variant: "binary", realSplit: "auto" });
    const train = steps.filter((s) => s.args[0] === "train");
    expect(train).toHaveLength(1);
    expect(flag(train[0].args, "--model")).toBe("res8-bin");
    expect(flag(train[0].args, "--precision")).toBe("binary");
    expect(flag(train[0].args, "--split")).toBe("auto");
    // The recipe's binary net: 32-filter blocks, seed 000's stem, an int8 downsampling conv.
    expect(JSON.parse(flag(train[0].args, "--model-config") as string)).toEqual({
      filters: 32,
      stemFilters: 19,
    });
    expect(flag(train[0].args, "--int8-layers")).toBe("down0");
    // Without the 8-bit recipe's regularisers, under which the binary net underfits.
    expect(flag(train[0].args, "--label-smoothing")).toBe("0");
    expect(train[0].args).toContain("--no-spec-augment");
  });

  it("binary: a label-smoothing lever overrides the binary net's own, and is passed once", () => {
    const steps = kws12Steps({ ...base, variant: "binary", levers: { labelSmoothing: 0.05 } });
    const args = steps.filter((s) => s.args[0] === "train")[0].args;
    expect(args.filter((a) => a === "--label-smoothing")).toHaveLength(1);
    expect(flag(args, "--label-smoothing")).toBe("0.05");
    // The 8-bit variants keep the recipe's regularisers.
    const int8 = kws12Steps({ ...base, variant: "int8" }).filter((s) => s.args[0] === "train");
    for (const t of int8) {
      expect(t.args).not.toContain("--no-spec-augment");
      expect(t.args).not.toContain("--label-smoothing");
    }
  });

  it("a distill set and an SNR range reach both training steps; without them neither flag appears", () => {
    const steps = kws12Steps({
      ...base,
      distillSet: { dir: "/dset", share: 0.3, weight: 0.5 },
      snrDb: [-5, 10],
      unknownBoost: 0.1,
    });
    const train = steps.filter((s) => s.args[0] === "train");
    expect(train).toHaveLength(2);
    for (const t of train) {
      expect(flag(t.args, "--distill-set")).toBe("/dset:0.3");
      expect(flag(t.args, "--distill-weight")).toBe("0.5");
      expect(flag(t.args, "--snr-db")).toBe("-5,10");
      expect(flag(t.args, "--unknown-boost")).toBe("0.1");
    }
    for (const s of kws12Steps(base)) {
      expect(s.args).not.toContain("--distill-set");
      expect(s.args).not.toContain("--snr-db");
      expect(s.args).not.toContain("--unknown-boost");
    }
  });

  it("an online teacher reaches both training steps and the card; without one no --teacher flag appears", async () => {
    // Under the working directory, so the card shows it relative, as a user typed it.
    const teacher = {
      models: [join(process.cwd(), "models/kws12-int8.esm")],
      weight: 0.7,
      temperature: 3,
    };
    const train = kws12Steps({ ...base, model: "ds-stream", teacher }).filter(
      (s) => s.args[0] === "train",
    );
    expect(train).toHaveLength(2);
    for (const t of train) {
      expect(flag(t.args, "--teacher")).toBe(teacher.models[0]);
      expect(flag(t.args, "--teacher-weight")).toBe("0.7");
      expect(flag(t.args, "--teacher-temperature")).toBe("3");
    }
    for (const s of kws12Steps(base)) expect(s.args).not.toContain("--teacher");
    // The card's recipe line reproduces the run: the teacher and its non-default settings.
    const { modelCard } = await import("../../host/pipeline/card");
    const none = { eval: null, inspect: null, calibrate: null, det: null, calStream: null };
    const card = modelCard(
      "kws12-int8-ds-stream.esm",
      { ...base, model: "ds-stream", teacher },
      none,
    );
    expect(card).toContain(
      "--model ds-stream --teacher models/kws12-int8.esm --teacher-weight 0.7 --teacher-temperature 3`",
    );
    expect(card).toContain("soft targets from the online teacher kws12-int8.esm (weight 0.7");
    const plain = modelCard(
      "kws12-int8.esm",
      { ...base, teacher: { ...teacher, weight: 0.5, temperature: 2 } },
      none,
    );
    expect(plain).toContain("--variant int8 --teacher models/kws12-int8.esm`");
    // An ensemble: every member reaches the train steps and the card, in order.
    const members = ["models/kws12-int8.esm", "models/kws12-synth-int8.esm"].map((m) =>
      join(process.cwd(), m),
    );
    const pair = { models: members, weight: 0.5, temperature: 2 };
    for (const t of kws12Steps({ ...base, teacher: pair }).filter((s) => s.args[0] === "train"))
      expect(t.args.filter((_, i) => t.args[i - 1] === "--teacher")).toEqual(members);
    const ens = modelCard("kws12-int8.esm", { ...base, teacher: pair }, none);
    expect(ens).toContain(
      "--variant int8 --teacher models/kws12-int8.esm --teacher models/kws12-synth-int8.esm`",
    );
    expect(ens).toContain(
      "from the mean of the online teachers: kws12-int8.esm, kws12-synth-int8.esm (weight",
    );
  });

  it("--teacher-seeds: the same recipe at seeds 0..n-1 first (trained and exported, untaught), then the run taught by their files and any --teacher", async () => {
    const o: Kws12Options = {
      ...base,
      variant: "synth-int8",
      augmentCopies: 8,
      weightAverage: 0.999,
      teacherSeeds: 2,
      teacher: { models: ["/t/extra.esm"], weight: 0.5, temperature: 2 },
    };
    const steps = kws12Steps(o);
    // The corpus once, then each seed's float, QAT and export, then the student's own run.
    expect(steps.map((s) => `${s.name.split(":")[0]} ${s.args[0]}`).slice(0, 8)).toEqual([
      "synthesize corpus data",
      "teacher seed 0 train",
      "teacher seed 0 train",
      "teacher seed 0 export",
      "teacher seed 1 train",
      "teacher seed 1 train",
      "teacher seed 1 export",
      "train res8-narrow (float) train",
    ]);
    const solo = kws12Steps({ ...o, teacherSeeds: undefined, teacher: undefined });
    for (const seed of [0, 1]) {
      const own = steps.filter((s) => s.name.startsWith(`teacher seed ${seed}:`));
      const dir = `/o/teachers/seed-${seed}`;
      // What `recipe --seed N --out DIR` alone would run, on the parent's corpus: a folder
      // trained that way is resumed, not retrained.
      const alone = kws12Steps({
        ...o,
        out: dir,
        corpus: "/o/corpus",
        seed,
        teacherSeeds: 0,
        teacher: undefined,
      });
      expect(own.map((s) => s.args)).toEqual(alone.slice(0, 3).map((s) => s.args));
      for (const s of own) expect(s.args).not.toContain("--teacher");
      expect(flag(own[0].args, "--seed")).toBe(`${seed}`);
      expect(flag(own[0].args, "--data")).toBe("/o/corpus");
      expect(flag(own[2].args, "--out")).toBe(`${dir}/uncalibrated.esm`);
      expect(own[2].report).toBe(`${dir}/reports/export.json`);
    }
    const student = steps.slice(7).filter((s) => s.args[0] === "train");
    expect(student).toHaveLength(2);
    for (const t of student) {
      expect(t.args.filter((_, i) => t.args[i - 1] === "--teacher")).toEqual([
        "/t/extra.esm",
        "/o/teachers/seed-0/uncalibrated.esm",
        "/o/teachers/seed-1/uncalibrated.esm",
      ]);
      expect(flag(t.args, "--seed")).toBe("0");
    }
    // Without teachers the run is the recipe as before, step for step.
    expect(
      steps
        .slice(7)
        .map((s) =>
          s.args.filter(
            (a, i) =>
              a !== "--teacher" &&
              s.args[i - 1] !== "--teacher" &&
              !a.startsWith("--teacher-") &&
              !s.args[i - 1]?.startsWith("--teacher-"),
          ),
        ),
    ).toEqual(solo.slice(1).map((s) => s.args));
    const { modelCard } = await import("../../host/pipeline/card");
    const none = { eval: null, inspect: null, calibrate: null, det: null, calStream: null };
    const card = modelCard("kws12-synth-int8.esm", { ...o, teacher: undefined }, none);
    expect(card).toContain("--augment-copies 8 --weight-average 0.999");
    expect(card).toContain(" --teacher-seeds 2 ");
    expect(card).toContain(
      "from the mean of the online teachers: this recipe's own runs at seeds 0-1 (teachers/) (weight 0.5",
    );
  });

  it("speaker levers reach both training steps as train flags", () => {
    const steps = kws12Steps({
      ...base,
      levers: {
        vtlp: "0.9,1.1",
        vtlpDomain: "filterbank",
        eq: 6,
        babble: 0.3,
        labelSmoothing: 0.1,
      },
    });
    const train = steps.filter((s) => s.args[0] === "train");
    expect(train).toHaveLength(2);
    for (const t of train) {
      expect(flag(t.args, "--vtlp")).toBe("0.9,1.1");
      expect(flag(t.args, "--vtlp-domain")).toBe("filterbank");
      expect(flag(t.args, "--eq")).toBe("6");
      expect(flag(t.args, "--babble")).toBe("0.3");
      expect(flag(t.args, "--label-smoothing")).toBe("0.1");
    }
    for (const s of kws12Steps(base)) {
      expect(s.args).not.toContain("--vtlp");
      expect(s.args).not.toContain("--vtlp-domain");
    }
  });

  it("a SpecAugment lever reaches both 8-bit training steps, overrides the binary net's own, and shows in the card's recipe line", async () => {
    const off = kws12Steps({ ...base, levers: { specAugment: false, labelSmoothing: 0 } });
    const train = off.filter((s) => s.args[0] === "train");
    expect(train).toHaveLength(2);
    for (const t of train) {
      expect(t.args).toContain("--no-spec-augment");
      expect(flag(t.args, "--label-smoothing")).toBe("0");
    }
    const binaryOn = kws12Steps({
      ...base,
      variant: "binary",
      levers: { specAugment: true },
    }).filter((s) => s.args[0] === "train")[0].args;
    expect(binaryOn).toContain("--spec-augment");
    expect(binaryOn).not.toContain("--no-spec-augment");
    const { modelCard } = await import("../../host/pipeline/card");
    const none = { eval: null, inspect: null, calibrate: null, det: null, calStream: null };
    const card = modelCard("kws12-int8.esm", { ...base, levers: { specAugment: false } }, none);
    expect(card).toContain("--variant int8 --no-spec-augment`");
    // A network's hyperparameters are part of the recipe line that reproduces it.
    const stream = modelCard(
      "kws12-int8-stream.esm",
      { ...base, model: "res8-stream", modelConfig: { head: "time-max" } },
      none,
    );
    expect(stream).toContain(
      `--variant int8 --model res8-stream --model-config '{"head":"time-max"}'`,
    );
  });

  it("augmented copies reach both training steps, and are left out unless asked for", () => {
    const train = kws12Steps({ ...base, augmentCopies: 8 }).filter((s) => s.args[0] === "train");
    expect(train).toHaveLength(2);
    for (const t of train) expect(flag(t.args, "--augment-copies")).toBe("8");
    for (const s of kws12Steps(base)) expect(s.args).not.toContain("--augment-copies");
  });

  it("a weight average reaches float training only; synthetic-only QAT then starts from the average", () => {
    const train = kws12Steps({ ...base, weightAverage: 0.999 }).filter(
      (s) => s.args[0] === "train",
    );
    expect(flag(train[0].args, "--weight-average")).toBe("0.999");
    expect(train[1].args).not.toContain("--weight-average");
    expect(flag(train[1].args, "--from")).toBe("/o/float/best");
    const synth = kws12Steps({
      ...base,
      variant: "synth-int8",
      corpus: "/c",
      weightAverage: 0.999,
    });
    expect(flag(synth.filter((s) => s.args[0] === "train")[1].args, "--from")).toBe(
      "/o/float/average",
    );
    for (const s of kws12Steps(base)) expect(s.args).not.toContain("--weight-average");
  });

  it("mixup reaches the float training only (the binary variant's one step too), and is left out unless asked for", () => {
    const train = kws12Steps({ ...base, mixup: 0.2 }).filter((s) => s.args[0] === "train");
    expect(flag(train[0].args, "--mixup")).toBe("0.2");
    expect(train[1].args).not.toContain("--mixup");
    const binary = kws12Steps({ ...base, variant: "binary", mixup: 0.3 }).filter(
      (s) => s.args[0] === "train",
    );
    expect(binary).toHaveLength(1);
    expect(flag(binary[0].args, "--mixup")).toBe("0.3");
    for (const s of kws12Steps(base)) expect(s.args).not.toContain("--mixup");
  });
});

describe("model card", () => {
  it("states the data, held-out accuracy with its clip count, size, detector and DET read-out", async () => {
    const { modelCard } = await import("../../host/pipeline/card");
    const pt = detPoint;
    const card = modelCard("kws12-int8.esm", base, {
      eval: { accuracy: 0.8, n: 197, sideBySide: { checkpointAccuracy: 0.81 } },
      inspect: {
        modelId: "m",
        totals: {
          params: 21040,
          macs: 6788244,
          binaryMacs: 0,
          arenaPeakBytes: 80408,
          fileBytes: 32065,
        },
      },
      calibrate: {
        threshold: 0.7,
        smoothingWindow: 3,
        targetFaPerHour: 1,
        point: pt(0.7, 0.1, 0.9),
      },
      det: {
        durationMs: 600000,
        targets: 80,
        points: [pt(0.5, 0.05, 12), pt(0.8, 0.2, 0)],
        modelDefault: pt(0.7, 0.1, 6),
      },
      calStream: { durationMs: 600000 },
    });
    expect(card).toMatch(/\*\*80\.0%\*\* of 197 clips \(checkpoint 81\.0%\)/);
    // Folders relative to where the recipe ran, not one machine's absolute paths.
    const { relative } = await import("node:path");
    const here = modelCard(
      "kws12-int8.esm",
      { ...base, real: join(process.cwd(), "..", "shared", "speech", "sc-v2-test") },
      { eval: null, inspect: null, calibrate: null, det: null, calStream: null } as never,
    );
    expect(here).toContain(
      `real train speakers of ${relative(process.cwd(), join(process.cwd(), "..", "shared", "speech", "sc-v2-test"))} (split`,
    );
    expect(here).not.toContain(process.cwd());
    expect(card).toMatch(/31\.3 KiB file, 21,040 parameters, 6\.79M MACs/);
    expect(card).toMatch(/threshold 0\.700, smoothing 3/);
    expect(card).toMatch(
      /FRR 20\.0% at <= 0\.5 FA\/h, FRR 20\.0% at <= 1 FA\/h \(one false accept in this stream is 6\.0 FA\/h\)/,
    );
    expect(card).toMatch(/checkpoint selected on real validation speakers/);
    // A stream where every threshold false-accepts more often than the budget says so.
    const noisy = modelCard("n.esm", base, {
      eval: null,
      inspect: null,
      calibrate: null,
      det: {
        durationMs: 600000,
        targets: 80,
        points: [pt(0.5, 0.05, 12), pt(0.9, 0.9, 6)],
        modelDefault: pt(0.7, 0.1, 6),
      },
      calStream: null,
    } as never);
    expect(noisy).toMatch(/no threshold at <= 0\.5 FA\/h, no threshold at <= 1 FA\/h/);
    const none = { eval: null, inspect: null, calibrate: null, det: null, calStream: null };
    expect(modelCard("s.esm", { ...base, model: "res8-stream" }, none)).toContain(
      "`earshot recipe kws12 --variant int8 --model res8-stream` (res8-stream, 20 x 150 steps",
    );
    expect(card).toContain("`earshot recipe kws12 --variant int8` (res8-narrow, 20 x 150 steps");
  });
});

describe("resuming a working folder", () => {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });
  const folder = (model: string | null) => {
    const out = mkdtempSync(join(tmpdir(), "earshot-kws12-resume-"));
    made.push(out);
    if (model !== null) {
      mkdirSync(join(out, "float"));
      writeFileSync(join(out, "float", "config.json"), JSON.stringify({ model }));
    }
    return out;
  };

  it("continues a run of the same network, or starts an empty folder", () => {
    expect(() =>
      checkResumable({ ...base, out: folder(null), model: "res8-stream" }),
    ).not.toThrow();
    const out = folder("res8-stream");
    expect(() => checkResumable({ ...base, out, model: "res8-stream" })).not.toThrow();
    expect(() =>
      checkResumable({ ...base, out: folder("res8-bin"), variant: "binary" }),
    ).not.toThrow();
  });

  it("refuses another network, naming the flags that continue the folder's run", () => {
    const narrow = folder("res8-narrow");
    expect(() => checkResumable({ ...base, out: narrow, model: "res8-stream" })).toThrow(
      `${narrow} holds a res8-narrow run, not res8-stream: rerun with --model res8-narrow to continue it, or use another --out`,
    );
    expect(() => checkResumable({ ...base, out: narrow, variant: "binary" })).toThrow(
      /not res8-bin: rerun with an 8-bit --variant and --model res8-narrow/,
    );
    expect(() => checkResumable({ ...base, out: folder("res8-bin") })).toThrow(
      /holds a res8-bin run, not res8-narrow: rerun with --variant binary/,
    );
    expect(() => checkResumable({ ...base, out: folder("ds-cnn-s") })).toThrow(
      /holds a ds-cnn-s run, not res8-narrow: use another --out$/,
    );
  });
});
