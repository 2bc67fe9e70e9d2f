import type { Command } from "@commander-js/extra-typings";
import { oneOf } from "../args";
import { UserError } from "../errors";

function num(name: string, lo: number, hi: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < lo || n > hi)
      throw new UserError(`${name} must be a number in ${lo}..${hi} (got '${v}')`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command("export")
    .description(
      "Export a trained (float, QAT, PTQ, binary or pruned) checkpoint to a device model file",
    )
    .requiredOption(
      "--model <dir>",
      "checkpoint folder (earshot train/quantize/prune output; a train --out folder means its best/)",
    )
    .requiredOption("--out <file>", "device model file to write")
    .requiredOption("--calib <dir>", "dataset folder for activation-range calibration")
    .option(
      "--calib-count <n>",
      "calibration examples (default 256)",
      num("--calib-count", 1, 1e6),
      256,
    )
    .option(
      "--percentile <p>",
      "range percentile instead of min/max, e.g. 99.99",
      num("--percentile", 50, 100),
    )
    .option(
      "--weight-bits <n>",
      "weight bits for layers trained in float (default 8)",
      num("--weight-bits", 2, 8),
    )
    .option(
      "--threshold <x>",
      "default detection threshold in the header (default 0.5)",
      num("--threshold", 0, 1),
    )
    .option(
      "--smoothing <n>",
      "default smoothing window in inferences (default 3)",
      num("--smoothing", 1, 1000),
    )
    .option(
      "--stride <frames>",
      "default inference stride in front-end frames (10 ms each) stored in the file (default: the runtime's 1)",
      num("--stride", 1, 100),
    )
    .option(
      "--split <mode>",
      "how --calib is split (its train subset calibrates): auto, speaker (default auto)",
      oneOf("--split", ["auto", "speaker"] as const),
    )
    .option("--no-cache", "do not cache features on disk")
    .option("--json", "print the result as JSON")
    .action(async (opts) => {
      const { loadBackend } = await import("../../train/backend");
      await loadBackend({ quiet: true });
      const { exportFile } = await import("../../compress/export-file");
      const { emit } = await import("../output");
      const r = await exportFile({
        model: opts.model,
        out: opts.out,
        calib: opts.calib,
        calibCount: opts.calibCount,
        percentile: opts.percentile,
        weightBits: opts.weightBits,
        threshold: opts.threshold,
        smoothing: opts.smoothing,
        cacheDir: opts.cache === false ? null : undefined,
        splitMode: opts.split,
        strideFrames: opts.stride,
      });
      const result = {
        out: opts.out,
        bytes: r.bytes,
        ops: r.model.ops.length,
        labels: r.model.labels,
        precision: r.meta.precision ?? "float",
      };
      emit(
        opts,
        result,
        (v) =>
          `wrote ${v.out}: ${v.bytes} bytes, ${v.ops} ops, ${v.labels.length} classes (${v.precision})`,
      );
    });
}
