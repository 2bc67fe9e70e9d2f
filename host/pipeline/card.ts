/**
 * A model card for one recipe run, written from its step reports (models/README.md is made of
 * these): data, recipe and seed, held-out accuracy with its clip count, size, MACs, arena, and
 * the calibrated detector settings with the DET read-out on the test-speaker stream.
 */

import { isAbsolute, relative } from "node:path";
import type { SpeakerInterval } from "../eval/speaker-interval";
import { frrAtFaPerHour, type OperatingPoint } from "../stream/match";
import { KWS12_BINARY_NET, type Kws12Options, leverArgs, runTeacher } from "./kws12";
import { readReport } from "./run";

interface Reports {
  eval: {
    accuracy: number;
    n: number;
    sideBySide?: { checkpointAccuracy: number };
    bySpeaker?: SpeakerInterval;
  } | null;
  inspect: {
    modelId: string;
    totals: {
      params: number;
      macs: number;
      binaryMacs: number;
      arenaPeakBytes: number;
      fileBytes: number;
    };
  } | null;
  calibrate: {
    threshold: number;
    smoothingWindow: number;
    targetFaPerHour: number;
    point: OperatingPoint;
  } | null;
  det: {
    durationMs: number;
    targets: number;
    points: OperatingPoint[];
    modelDefault: OperatingPoint;
  } | null;
  calStream: { durationMs?: number } | null;
}

export function readCardReports(reportsDir: string): Reports {
  const r = <T>(n: string) => readReport<T>(`${reportsDir}/${n}.json`);
  return {
    eval: r("eval-test"),
    inspect: r("inspect"),
    calibrate: r("calibrate"),
    det: r("det"),
    calStream: r("stream-validation"),
  };
}

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? "-" : `${(x * 100).toFixed(1)}%`;

export function modelCard(name: string, o: Kws12Options, rep: Reports): string {
  const lines = [`### ${name}`, ""];
  const data =
    o.variant === "synth-int8"
      ? `synthetic corpus only (${o.corpus ? shown(o.corpus) : "made by the recipe"}), real background-noise recordings for augmentation; no real keyword clip; ${o.weightAverage !== undefined ? "the weight average after the last epoch" : "last checkpoint"} (no selection on any speaker)`
      : `real train speakers of ${shown(o.real)} (split ${o.realSplit}) with the synthetic corpus as ${Math.round(o.synthShare * 100)}% of every batch; checkpoint selected on real validation speakers`;
  const taught = runTeacher(o);
  const teacher = o.distillSet
    ? `; a distillation set (\`earshot teacher distill-set\`, ${o.distillSet.dir.split("/").at(-1)}) as ${Math.round(o.distillSet.share * 100)}% of every batch, soft-label weight ${o.distillSet.weight}`
    : taught
      ? `; every batch row's soft targets from ${taught.models.length > 1 ? "the mean of the online teachers:" : "the online teacher"} ${teacherNames(o)} (weight ${taught.weight}, temperature ${taught.temperature})`
      : "";
  const snr = o.snrDb ? `; augmentation noise at ${o.snrDb[0]}..${o.snrDb[1]} dB SNR` : "";
  lines.push(`- data: ${data}${teacher}${snr}`);
  const budget =
    o.variant === "binary"
      ? `res8-bin (${KWS12_BINARY_NET.modelConfig.filters}-filter blocks, ${KWS12_BINARY_NET.modelConfig.stemFilters}-filter stem, int8 ${KWS12_BINARY_NET.int8Layers.join(", ")}), binary training, ${o.epochs} x ${o.stepsPerEpoch} steps of 64, label smoothing ${o.levers?.labelSmoothing ?? KWS12_BINARY_NET.labelSmoothing}${(o.levers?.specAugment ?? KWS12_BINARY_NET.specAugment) ? "" : ", no SpecAugment"}`
      : `${o.model}, ${o.epochs} x ${o.stepsPerEpoch} steps of 64 float, then ${o.qatEpochs} x ${o.stepsPerEpoch} of 8-bit QAT`;
  const model =
    (o.variant !== "binary" && o.model !== "res8-narrow" ? ` --model ${o.model}` : "") +
    // The hyperparameters too: without them the line rebuilds another network.
    (o.variant !== "binary" && o.modelConfig !== undefined
      ? ` --model-config '${JSON.stringify(o.modelConfig)}'`
      : "");
  const flags =
    leverArgs(o.levers)
      .map((a) => ` ${a}`)
      .join("") +
    (o.teacher?.models.map((m) => ` --teacher ${shown(m)}`).join("") ?? "") +
    (o.teacherSeeds ? ` --teacher-seeds ${o.teacherSeeds}` : "") +
    (taught && taught.weight !== 0.5 ? ` --teacher-weight ${taught.weight}` : "") +
    (taught && taught.temperature !== 2 ? ` --teacher-temperature ${taught.temperature}` : "") +
    (o.augmentCopies ? ` --augment-copies ${o.augmentCopies}` : "") +
    (o.weightAverage !== undefined && o.variant !== "binary"
      ? ` --weight-average ${o.weightAverage}`
      : "");
  lines.push(
    `- recipe: \`earshot recipe kws12 --variant ${o.variant}${model}${flags}\` (${budget}), seed ${o.seed}`,
  );
  if (rep.eval)
    lines.push(
      `- accuracy on held-out real speakers (12 classes, integer semantics): **${pct(rep.eval.accuracy)}** of ${rep.eval.n} clips` +
        (rep.eval.sideBySide
          ? ` (checkpoint ${pct(rep.eval.sideBySide.checkpointAccuracy)})`
          : "") +
        (rep.eval.bySpeaker
          ? `; 95% interval ${pct(rep.eval.bySpeaker.ci95[0])}-${pct(rep.eval.bySpeaker.ci95[1])} when its ${rep.eval.bySpeaker.speakers} speakers are resampled`
          : ""),
    );
  if (rep.inspect) {
    const t = rep.inspect.totals;
    lines.push(
      `- size: ${(t.fileBytes / 1024).toFixed(1)} KiB file, ${t.params.toLocaleString("en")} parameters, ${(t.macs / 1e6).toFixed(2)}M MACs${t.binaryMacs ? ` (${(t.binaryMacs / 1e6).toFixed(2)}M binary)` : ""} per inference, arena ${(t.arenaPeakBytes / 1024).toFixed(1)} KiB`,
    );
  }
  if (rep.calibrate)
    lines.push(
      `- detector: threshold ${rep.calibrate.threshold.toFixed(3)}, smoothing ${rep.calibrate.smoothingWindow} inferences, every 100 ms; calibrated to ${rep.calibrate.targetFaPerHour} false accept/h on a ${((rep.calStream?.durationMs ?? 0) / 60000).toFixed(0)}-min stream of validation speakers (there: FRR ${pct(rep.calibrate.point.frr)}, ${rep.calibrate.point.fa_per_hour.toFixed(1)} FA/h)`,
    );
  if (rep.det) {
    const d = rep.det;
    lines.push(
      `- test-speaker stream (${(d.durationMs / 60000).toFixed(0)} min, ${d.targets} keywords): at its threshold FRR ${pct(d.modelDefault.frr)}, ${d.modelDefault.fa_per_hour.toFixed(1)} FA/h; ${frrAt(d.points, 0.5)}, ${frrAt(d.points, 1)} (one false accept in this stream is ${(3600000 / d.durationMs).toFixed(1)} FA/h)`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** FRR at a false-accept budget, or that no threshold on the stream stays within it. */
function frrAt(points: Parameters<typeof frrAtFaPerHour>[0], fa: number): string {
  const frr = frrAtFaPerHour(points, fa);
  return frr === null ? `no threshold at <= ${fa} FA/h` : `FRR ${pct(frr)} at <= ${fa} FA/h`;
}

/** A folder as a card shows it: relative to where the recipe ran, so cards do not carry one machine's absolute paths. */
function shown(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel === "" ? "." : isAbsolute(rel) ? dir : rel;
}

/** The teaching files by name, a recipe's own seed runs as one phrase. */
function teacherNames(o: Kws12Options): string {
  const files = (o.teacher?.models ?? []).map((m) => m.split("/").at(-1));
  const seeds = o.teacherSeeds ?? 0;
  if (seeds > 0) files.push(`this recipe's own runs at seeds 0-${seeds - 1} (teachers/)`);
  return files.join(", ");
}
