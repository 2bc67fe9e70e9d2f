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
      "Export a trained (float, QAT, PTQ, binary or pruned) checkpoint to a device model file, or a device model to ONNX (--format onnx)",
    )
    .requiredOption(
      "--model <dir>",
      "checkpoint folder (earshot train/quantize/prune output; a train --out folder means its best/); with --format onnx also a device model file (.esm)",
    )
    .requiredOption("--out <file>", "device model file (or .onnx) to write")
    .option(
      "--calib <dir>",
      "dataset folder for activation-range calibration (needed for a checkpoint)",
    )
    .option(
      "--format <format>",
      "esm: earshot's device model file; onnx: an ONNX model of the device model (default esm)",
      oneOf("--format", ["esm", "onnx"] as const),
      "esm" as const,
    )
    .option(
      "--onnx-precision <p>",
      "with --format onnx: qdq (int8 weights and activations as QuantizeLinear/DequantizeLinear) or float (default qdq)",
      oneOf("--onnx-precision", ["qdq", "float"] as const),
      "qdq" as const,
    )
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
      if (opts.format === "onnx" && opts.model.endsWith(".esm")) {
        const { exportOnnxFile } = await import("../../interop/onnx/export-file");
        const { emit } = await import("../output");
        const r = await exportOnnxFile(opts.model, opts.out, opts.onnxPrecision);
        emit(
          opts,
          r,
          (v) => `wrote ${v.out}: ${v.bytes} bytes, ONNX ${v.precision}, ${v.nodes} ops`,
        );
        return;
      }
      if (opts.calib === undefined)
        throw new UserError("--calib <dir> is required to export a checkpoint");
      if (opts.format === "onnx")
        throw new UserError(
          "--format onnx takes a device model (.esm): export the checkpoint first, then convert it",
        );
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
