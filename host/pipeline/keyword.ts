/**
 * `earshot keywords add`: a custom keyword in any language, end to end, as real `earshot`
 * commands (like the kws12 recipe): a synthetic corpus spoken by every voice of the language,
 * training on it (the keyword against _unknown_ and _silence_), export, a validation stream and
 * threshold calibration. Every step resumes, so rerunning continues where it stopped.
 */
import { join } from "node:path";
import { corpusArgs } from "./corpus-args";
import type { PipelineStep } from "./kws12";

export interface KeywordOptions {
  out: string;
  /** What is said (any script). */
  word: string;
  /** The keyword's label in the model file (ASCII: model labels are ASCII). */
  label: string;
  lang: string;
  model: string;
  perWord: number;
  unknownPerWord: number;
  speakers: number;
  epochs: number;
  stepsPerEpoch: number;
  seed: number;
  streamMinutes: number;
  targetFaPerHour: number;
}

/** Labels and words that say themselves (ASCII lowercase), else `label` must be given. */
export const ASCII_LABEL = /^[a-z][a-z0-9_-]*$/;

export function keywordFileName(o: KeywordOptions): string {
  return `${o.label}-${o.lang}.esm`;
}

export function keywordSteps(o: KeywordOptions): PipelineStep[] {
  const corpus = join(o.out, "corpus");
  const reports = join(o.out, "reports");
  const float = join(o.out, "train");
  const uncalibrated = join(o.out, "uncalibrated.esm");
  const stream = join(o.out, "stream-validation.wav");
  const spoken = o.word === o.label ? o.word : `${o.label}=${o.word}`;
  return [
    {
      name: `synthesize '${o.word}' (${o.lang} voices)`,
      args: [
        "data",
        "synth",
        "--out",
        corpus,
        "--lang",
        o.lang,
        "--words",
        spoken,
        ...corpusArgs(o),
        "--noise-seconds",
        "20",
        "--json",
      ],
      report: join(reports, "synth.json"),
    },
    {
      name: `train ${o.model} on '${o.label}'`,
      args: [
        "train",
        "--data",
        corpus,
        "--split",
        "auto",
        "--keywords",
        o.label,
        "--model",
        o.model,
        "--epochs",
        `${o.epochs}`,
        "--steps-per-epoch",
        `${o.stepsPerEpoch}`,
        "--seed",
        `${o.seed}`,
        "--out",
        float,
        "--json",
      ],
      report: join(reports, "train.json"),
    },
    {
      name: "export device model (int8, calibrated on the corpus)",
      args: [
        "export",
        "--model",
        join(float, "best"),
        "--calib",
        corpus,
        "--stride",
        "10",
        "--out",
        uncalibrated,
        "--json",
      ],
      report: join(reports, "export.json"),
    },
    {
      name: "validation stream",
      args: [
        "stream",
        "build",
        "--data",
        corpus,
        "--split",
        "auto",
        "--subset",
        "validation",
        "--keywords",
        o.label,
        "--minutes",
        `${o.streamMinutes}`,
        "--seed",
        "2",
        "--out",
        stream,
        "--json",
      ],
      report: join(reports, "stream.json"),
    },
    {
      name: `calibrate to ${o.targetFaPerHour} false accepts per hour`,
      args: [
        "calibrate",
        "--model",
        uncalibrated,
        "--stream",
        stream,
        "--target-fa-per-hour",
        `${o.targetFaPerHour}`,
        "--out",
        join(o.out, keywordFileName(o)),
        "--json",
      ],
      report: join(reports, "calibrate.json"),
    },
  ];
}
