import type { Command } from "@commander-js/extra-typings";
import { numberIn } from "../args";
import { UserError } from "../errors";

export function register(program: Command): void {
  program
    .command("quantize")
    .description(
      "Post-training quantization: per-channel N-bit weights, 8-bit activations calibrated on data",
    )
    .requiredOption("--model <dir>", "float checkpoint folder (or a train --out folder: its best/)")
    .requiredOption("--calib <dir>", "dataset folder for calibration")
    .requiredOption("--bits <n>", "weight bits (2..8)", numberIn("--bits", 2, 8, true))
    .requiredOption("--out <dir>", "output checkpoint folder (export it with earshot export)")
    .option(
      "--calib-count <n>",
      "calibration examples (default 256)",
      numberIn("--calib-count", 1, 1e6, true),
      256,
    )
    .option(
      "--percentile <p>",
      "activation range percentile instead of min/max, e.g. 99.99",
      numberIn("--percentile", 50, 100),
    )
    .option("--eval <dir>", "dataset whose test split is scored before and after")
    .option("--no-cache", "do not cache features on disk")
    .option("--json", "print the result as JSON")
    .action(async (opts) => {
      const { loadBackend } = await import("../../train/backend");
      await loadBackend({ quiet: true });
      const { loadModelDir, saveModelDir, withStep } = await import("../../compress/checkpoint");
      const { loadFeatures, accuracy } = await import("../../compress/data");
      const { postTrainingQuantize } = await import("../../compress/ptq");
      const { emit } = await import("../output");
      const cacheDir = opts.cache === false ? null : undefined;
      const { model, meta } = await loadModelDir(opts.model);
      if (meta.precision && meta.precision !== "float")
        throw new UserError(
          `${opts.model}: already quantized (${meta.precision}); PTQ starts from a float model`,
        );
      const calib = await loadFeatures(opts.calib, meta, "train", {
        limit: opts.calibCount,
        cacheDir,
      });
      const q = postTrainingQuantize(model, calib.x, opts.bits, { percentile: opts.percentile });
      const step = {
        method: "ptq",
        weightBits: opts.bits,
        actBits: 8,
        calibration: opts.percentile ? `p${opts.percentile}` : "minmax",
      };
      await saveModelDir(
        opts.out,
        q,
        withStep(meta, step, { precision: "int8", precisionOptions: { weightBits: opts.bits } }),
      );
      const result: Record<string, unknown> = { out: opts.out, ...step };
      if (opts.eval) {
        const test = await loadFeatures(opts.eval, meta, "test", { cacheDir });
        result.floatAccuracy = accuracy(model, test);
        result.quantizedAccuracy = accuracy(q, test);
      }
      emit(
        opts,
        result,
        (v) =>
          `wrote ${v.out}: PTQ ${v.weightBits}-bit weights, 8-bit activations (${v.calibration})` +
          (v.floatAccuracy !== undefined
            ? `; test accuracy float ${((v.floatAccuracy as number) * 100).toFixed(2)}% -> quantized ${((v.quantizedAccuracy as number) * 100).toFixed(2)}%`
            : ""),
      );
    });
}
