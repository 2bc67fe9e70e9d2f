import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { corpusArgs } from "../pipeline/corpus-args";

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
  /** The shipped int8 model (models/kws12-int8.esm), when the repository has it. */
  shippedModel?: string;
}

const REAL_TEST_SET = resolve(import.meta.dirname, "../../../shared/speech/sc-v2-test");
const SHIPPED_MODEL = resolve(import.meta.dirname, "../../models/kws12-int8.esm");

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
    shippedModel: existsSync(SHIPPED_MODEL) ? SHIPPED_MODEL : undefined,
  };
}

/** Where each step's JSON report lands (the summary reads them back). */
export const reportPath = (c: DemoConfig, name: string): string =>
  join(c.out, "reports", `${name}.json`);

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
  const synthStream = join(c.out, "stream-synth.wav");
  const realStream = join(c.out, "stream-real.wav");
  const shippedSkip = !c.realTestSet
    ? "../shared/speech/sc-v2-test not found"
    : c.shippedModel
      ? undefined
      : "models/kws12-int8.esm not found";
  const corpus = join(c.out, "corpus");
  const model = join(c.out, "model");
  const file = join(c.out, "model.earshot");
  return [
    {
      name: "synthesize corpus",
      args: ["data", "synth", "--out", corpus, ...corpusArgs(c), "--json"],
      stdoutTo: reportPath(c, "synth"),
    },
    {
      name: "dataset statistics",
      args: ["data", "stats", "--data", corpus, "--json"],
      stdoutTo: reportPath(c, "stats"),
    },
    {
      name: "front-end plots",
      args: ["features", "plot", "@clip:yes", "--out", join(c.out, "plots"), "--json"],
      stdoutTo: reportPath(c, "plots"),
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
      stdoutTo: reportPath(c, "train"),
    },
    {
      name: "evaluate on synthetic test split",
      args: ["eval", "--model", model, "--data", corpus, "--json"],
      stdoutTo: reportPath(c, "eval-synth"),
    },
    {
      name: "export int8 device model",
      args: [
        "export",
        "--model",
        join(model, "best"),
        "--calib",
        corpus,
        "--stride",
        "10",
        "--out",
        file,
        "--json",
      ],
      stdoutTo: reportPath(c, "export"),
    },
    {
      name: "inspect device model",
      args: ["inspect", file, "--json"],
      stdoutTo: reportPath(c, "inspect"),
    },
    {
      name: "exported integer model vs checkpoint on the synthetic test split",
      args: ["eval", "--model", file, "--checkpoint", model, "--data", corpus, "--json"],
      stdoutTo: reportPath(c, "eval-synth-int8"),
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
      stdoutTo: reportPath(c, "eval-real-int8"),
    },
    {
      name: "synthetic keyword stream (test-split speakers of the corpus)",
      args: [
        "stream",
        "build",
        "--data",
        corpus,
        "--minutes",
        "1",
        "--seed",
        "7",
        "--out",
        synthStream,
        "--json",
      ],
      stdoutTo: reportPath(c, "stream-synth"),
    },
    {
      name: "demo model on the synthetic stream (device runtime)",
      args: ["stream", "eval", "--model", file, "--stream", synthStream, "--json"],
      stdoutTo: reportPath(c, "stream-synth-demo"),
    },
    {
      name: "real keyword stream (held-out speakers of sc-v2-test)",
      args: [
        "stream",
        "build",
        "--data",
        c.realTestSet ?? "",
        "--split",
        "speaker",
        "--noise",
        join(c.realTestSet ?? "", "..", "_background_noise_"),
        "--minutes",
        "2",
        "--seed",
        "3",
        "--out",
        realStream,
        "--json",
      ],
      skip: c.realTestSet ? undefined : "../shared/speech/sc-v2-test not found",
      stdoutTo: reportPath(c, "stream-real"),
    },
    {
      name: "demo model on the real stream (device runtime)",
      args: ["stream", "eval", "--model", file, "--stream", realStream, "--json"],
      skip: c.realTestSet ? undefined : "../shared/speech/sc-v2-test not found",
      stdoutTo: reportPath(c, "stream-real-demo"),
    },
    {
      name: "shipped model (models/kws12-int8.esm) on held-out real speakers",
      args: [
        "eval",
        "--model",
        c.shippedModel ?? "",
        "--data",
        c.realTestSet ?? "",
        "--split",
        "speaker",
        "--subset",
        "test",
        "--json",
      ],
      skip: shippedSkip,
      stdoutTo: reportPath(c, "eval-real-shipped"),
    },
    {
      name: "shipped model on the real stream (device runtime, its calibrated threshold)",
      args: [
        "stream",
        "eval",
        "--model",
        c.shippedModel ?? "",
        "--stream",
        realStream,
        "--plot",
        join(c.out, "plots", "det-real-shipped.svg"),
        "--json",
      ],
      skip: shippedSkip,
      stdoutTo: reportPath(c, "stream-real-shipped"),
    },
  ];
}
