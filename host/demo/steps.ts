import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

/** One stage of the demo: a real `earshot` command, run as a user would type it. */
export interface DemoStep {
  name: string;
  args: string[];
  /** Steps that need something optional (e.g. ../shared/speech) may be skipped with a reason. */
  skip?: string;
  /** Writes this file from the step's stdout (JSON reports). */
  stdoutTo?: string;
}

export interface DemoConfig {
  out: string;
  perWord: number;
  unknownPerWord: number;
  /** Enough speakers that the 80:10:10 speaker hash split leaves none of the subsets empty. */
  speakers: number;
  epochs: number;
  stepsPerEpoch: number;
  seed: number;
  /** Real Speech Commands test set, when it is beside the repository. */
  realTestSet?: string;
}

const REAL_TEST_SET = resolve(import.meta.dirname, "../../../shared/speech/sc-v2-test");

export function defaultDemoConfig(out: string): DemoConfig {
  return {
    out,
    perWord: 40,
    unknownPerWord: 8,
    speakers: 60,
    epochs: 8,
    stepsPerEpoch: 50,
    seed: 1,
    realTestSet: existsSync(REAL_TEST_SET) ? REAL_TEST_SET : undefined,
  };
}

/** The demo's keyword stream (built by run.ts before the device step). */
export const STREAM_WAV = (c: DemoConfig): string => join(c.out, "stream.wav");

/** The first clip of a word folder, for plots (the corpus exists by the time this is called). */
export function firstClip(corpus: string, word: string): string {
  const dir = join(corpus, word);
  const wav = readdirSync(dir)
    .filter((f) => f.endsWith(".wav"))
    .sort()[0];
  return join(dir, wav);
}

/** The pipeline: corpus -> stats -> plots -> train -> eval -> export -> inspect -> int8 eval -> device run. */
export function demoSteps(c: DemoConfig): DemoStep[] {
  const corpus = join(c.out, "corpus");
  const model = join(c.out, "model");
  const file = join(c.out, "model.earshot");
  const reports = join(c.out, "reports");
  return [
    {
      name: "synthesize corpus",
      args: [
        "data",
        "synth",
        "--out",
        corpus,
        "--per-word",
        `${c.perWord}`,
        "--unknown-per-word",
        `${c.unknownPerWord}`,
        "--speakers",
        `${c.speakers}`,
        "--seed",
        `${c.seed}`,
        "--json",
      ],
      stdoutTo: join(reports, "synth.json"),
    },
    {
      name: "dataset statistics",
      args: ["data", "stats", "--data", corpus, "--json"],
      stdoutTo: join(reports, "stats.json"),
    },
    {
      name: "front-end plots",
      args: ["features", "plot", "@clip:yes", "--out", join(c.out, "plots"), "--json"],
      stdoutTo: join(reports, "plots.json"),
    },
    {
      name: "train res8-narrow",
      args: [
        "train",
        "--data",
        corpus,
        "--model",
        "res8-narrow",
        "--epochs",
        `${c.epochs}`,
        "--steps-per-epoch",
        `${c.stepsPerEpoch}`,
        "--out",
        model,
        "--seed",
        `${c.seed}`,
        "--json",
      ],
      stdoutTo: join(reports, "train.json"),
    },
    {
      name: "evaluate on synthetic test split",
      args: ["eval", "--model", model, "--data", corpus, "--json"],
      stdoutTo: join(reports, "eval-synth.json"),
    },
    {
      name: "export int8 device model",
      args: ["export", "--model", join(model, "best"), "--calib", corpus, "--out", file, "--json"],
      stdoutTo: join(reports, "export.json"),
    },
    {
      name: "inspect device model",
      args: ["inspect", file, "--json"],
      stdoutTo: join(reports, "inspect.json"),
    },
    {
      name: "exported integer model vs checkpoint on the synthetic test split",
      args: ["eval", "--model", file, "--checkpoint", model, "--data", corpus, "--json"],
      stdoutTo: join(reports, "eval-synth-int8.json"),
    },
    {
      name: "exported integer model vs checkpoint on real speech (sc-v2-test)",
      args: [
        "eval",
        "--model",
        file,
        "--checkpoint",
        model,
        "--data",
        c.realTestSet ?? "",
        "--json",
      ],
      skip: c.realTestSet ? undefined : "../shared/speech/sc-v2-test not found",
      stdoutTo: join(reports, "eval-real-int8.json"),
    },
    {
      name: "stream keywords through the device runtime (truth in reports/stream-truth.json)",
      args: [
        "device",
        "run",
        "--engine",
        "node",
        "--model",
        file,
        "--wav",
        STREAM_WAV(c),
        "--stride",
        "10",
        "--json",
      ],
      stdoutTo: join(reports, "device-run.json"),
    },
  ];
}
