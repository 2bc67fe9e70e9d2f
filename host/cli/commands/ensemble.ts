import type { Command } from "@commander-js/extra-typings";
import { SPLIT_MODES } from "../../data/dataset";
import type { ScoreSubset } from "../../eval/subsets";
import { oneOf, repeated } from "../args";
import { UserError } from "../errors";
import { subsetArg } from "../subset-arg";

export function register(program: Command): void {
  program
    .command("ensemble")
    .description(
      "Equal-weight ensemble of exported model files (seed 000): each member's and the ensemble's integer accuracy on a dataset, and memory (the sum of the files)",
    )
    .requiredOption(
      "--model <file>",
      "exported model file; repeat for each member (2 or more)",
      repeated,
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
    .option("--out <file>", "also write the report as JSON to this file")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { evalEnsemble } = await import("../../eval/ensemble");
      const { emit } = await import("../output");
      const report = await evalEnsemble(opts.model, {
        data: opts.data,
        splitMode: opts.split,
        noiseDir: opts.noise,
        subset: opts.subset,
      });
      if (opts.out) {
        const { writeFileSync } = await import("node:fs");
        try {
          writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
        } catch (e) {
          throw new UserError(`--out ${opts.out}: ${(e as Error).message}`);
        }
      }
      emit(opts, report, (r) => {
        const pct = (a: number) => `${(a * 100).toFixed(2)}%`.padStart(7);
        const kib = (b: number) => `${(b / 1024).toFixed(2)} KiB`;
        const width = Math.max(8, ...r.members.map((m) => m.file.length));
        return [
          `${r.n} ${r.subset} examples (${r.split} split), exported integer semantics`,
          ...r.members.map(
            (m) =>
              `  ${m.file.padEnd(width)} ${pct(m.accuracy)}  ${m.bytes} bytes (${kib(m.bytes)})`,
          ),
          `  ${"ensemble".padEnd(width)} ${pct(r.ensemble.accuracy)}  ${r.ensemble.bytes} bytes (${kib(r.ensemble.bytes)}), ${r.members.length} models, mean probabilities`,
        ].join("\n");
      });
    });
}
