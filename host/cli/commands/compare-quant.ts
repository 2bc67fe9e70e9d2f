import type { Command } from "@commander-js/extra-typings";
import { positiveInt } from "../args";
import { UserError } from "../errors";

function bitList(v: string): number[] {
  const bits = v.split(",").map((b) => Number(b.trim()));
  for (const b of bits) {
    if (!Number.isInteger(b) || b < 2 || b > 8)
      throw new UserError(`--bits takes widths 2..8 (got '${v}')`);
  }
  return bits;
}

/** Seed 003's comparison: PTQ vs QAT of one float checkpoint at several weight widths. */
export function register(program: Command): void {
  program
    .command("compare-quant")
    .description(
      "PTQ vs QAT at 2, 4, 6, 8 weight bits from one float checkpoint (seed 003): table, JSON and a plot",
    )
    .requiredOption("--model <dir>", "float checkpoint folder (or a train --out folder: its best/)")
    .requiredOption(
      "--data <dir>",
      "dataset: its train subset calibrates and fine-tunes, its test subset scores",
    )
    .requiredOption("--out <dir>", "where ptq-vs-qat.svg and ptq-vs-qat.json go")
    .option("--bits <list>", "weight widths", bitList, [2, 4, 6, 8])
    .option("--qat-epochs <n>", "QAT fine-tuning epochs per width", positiveInt("--qat-epochs"), 2)
    .option(
      "--split <mode>",
      "auto or speaker (e.g. speaker for ../shared/speech/sc-v2-test)",
      "auto",
    )
    .option("--exported", "also score each model exported to a device file (integer semantics)")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      if (opts.split !== "auto" && opts.split !== "speaker")
        throw new UserError(`--split must be auto or speaker (got '${opts.split}')`);
      const { mkdirSync, writeFileSync } = await import("node:fs");
      const { join } = await import("node:path");
      const { loadBackend } = await import("../../train/backend");
      const { loadModelDir } = await import("../../compress/checkpoint");
      const { compareSpec, compareTable, ptqVsQat } = await import("../../compress/compare");
      const { accuracy, loadFeatures } = await import("../../compress/data");
      const { renderSvg } = await import("../../features/plot");
      const { emit } = await import("../output");
      await loadBackend({ quiet: true });
      const { model, meta } = await loadModelDir(opts.model);
      if (
        (meta as { precision?: string }).precision &&
        (meta as { precision?: string }).precision !== "float"
      )
        throw new UserError(`${opts.model}: compare-quant starts from a float checkpoint`);
      const splitMode = opts.split as "auto" | "speaker";
      const trainSet = await loadFeatures(opts.data, meta, "train", { splitMode });
      const testSet = await loadFeatures(opts.data, meta, "test", { splitMode });
      const floatAccuracy = accuracy(model, testSet);
      const rows = ptqVsQat(model, trainSet, testSet, {
        bits: opts.bits,
        qatEpochs: opts.qatEpochs,
        exported: opts.exported === true,
        labels: meta.labels,
        onRow: (r) => {
          if (!opts.json)
            process.stderr.write(`${r.method} ${r.bits}-bit: ${(r.accuracy * 100).toFixed(2)}%\n`);
        },
      });
      mkdirSync(opts.out, { recursive: true });
      const svg = await renderSvg(compareSpec(rows, floatAccuracy, "PTQ vs QAT"));
      writeFileSync(join(opts.out, "ptq-vs-qat.svg"), svg);
      const result = {
        float: floatAccuracy,
        n: testSet.labels.length,
        rows,
        plot: join(opts.out, "ptq-vs-qat.svg"),
      };
      writeFileSync(join(opts.out, "ptq-vs-qat.json"), `${JSON.stringify(result, null, 2)}\n`);
      emit(opts, result, (r) => `${compareTable(r.rows, r.float)}\nplot: ${r.plot}`);
    });
}
