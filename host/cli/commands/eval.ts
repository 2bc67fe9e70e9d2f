import type { Command } from "@commander-js/extra-typings";
import { SPLIT_MODES } from "../../data/dataset";
import type { ExportedEvalReport } from "../../eval/exported";
import type { ScoreSubset } from "../../eval/subsets";
import { oneOf } from "../args";
import { subsetArg } from "../subset-arg";

export function register(program: Command): void {
  program
    .command("eval")
    .description(
      "Accuracy, per-class accuracy and confusion matrix of a model on a dataset's test subset",
    )
    .requiredOption(
      "--model <path>",
      "checkpoint folder (or a train --out folder: its best/), or an exported model file",
    )
    .requiredOption("--data <dir>", "dataset folder (full or test-set layout)")
    .option(
      "--split <mode>",
      `subset assignment: ${SPLIT_MODES.join(", ")} (default auto)`,
      oneOf("--split", SPLIT_MODES),
    )
    .option(
      "--subset <name>",
      "subset to score: train, validation, test, all, or several pooled with + (validation+test: every real speaker a model that selected on synthetic clips never heard)",
      subsetArg,
      "test" as ScoreSubset,
    )
    .option("--noise <dir>", "background noise folder (default <data>/_background_noise_)")
    .option("--cache <dir>", "feature cache folder (default ~/.cache/earshot/features)")
    .option("--no-cache", "do not cache features on disk")
    .option(
      "--checkpoint <dir>",
      "with an exported model file: also score this checkpoint (float or fake-quant) on the same examples, side by side",
    )
    .option(
      "--against <file>",
      "with an exported model file: another one scored on the same examples; prints the accuracy gain with its 95% interval over speakers",
    )
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { evalModel } = await import("../../eval/model");
      const { emit } = await import("../output");
      const { progress } = await import("../progress");
      let bar: ReturnType<typeof progress> | null = null;
      const report = await evalModel({
        onProgress: (done, total) => {
          bar ??= progress("eval", total, { json: opts.json });
          bar.tick(1);
          if (done === total) bar.stop();
        },
        model: opts.model,
        data: opts.data,
        splitMode: opts.split,
        noiseDir: opts.noise,
        subset: opts.subset,
        checkpoint: opts.checkpoint,
        against: opts.against,
        cacheDir:
          opts.cache === false ? null : typeof opts.cache === "string" ? opts.cache : undefined,
      });
      emit(opts, report, (r) => {
        const lines = [
          `accuracy ${(r.accuracy * 100).toFixed(2)}% on ${r.n} ${r.subset} examples (${r.split} split)`,
        ];
        const { bySpeaker: sp, versus: vs } = r as Partial<
          Pick<ExportedEvalReport, "bySpeaker" | "versus">
        >;
        if (sp) {
          lines.push(
            `95% interval when its ${sp.speakers} speakers${sp.clipsWithoutSpeaker ? ` and ${sp.clipsWithoutSpeaker} speakerless clips` : ""} are resampled: ${(sp.ci95[0] * 100).toFixed(1)}-${(sp.ci95[1] * 100).toFixed(1)}%`,
          );
        }
        for (const [name, c] of Object.entries(r.perClass)) {
          lines.push(
            `  ${name.padEnd(10)} ${c.accuracy === null ? "   -  " : `${(c.accuracy * 100).toFixed(1)}%`.padStart(6)}  n=${c.n}`,
          );
        }
        if (vs) {
          const pts = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}`;
          lines.push(
            `against ${vs.model} (${(vs.accuracy * 100).toFixed(2)}% on the same examples): ${pts(vs.gain)} points, 95% interval ${pts(vs.ci95[0])} to ${pts(vs.ci95[1])} with speakers resampled`,
          );
        }
        const side = (r as { sideBySide?: { checkpointAccuracy: number; gap: number } }).sideBySide;
        if (side) {
          lines.push(
            `checkpoint ${(side.checkpointAccuracy * 100).toFixed(2)}% vs exported integer ${(r.accuracy * 100).toFixed(2)}% (gap ${(side.gap * 100).toFixed(2)} points)`,
          );
        }
        return lines.join("\n");
      });
    });
}
