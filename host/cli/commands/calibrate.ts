import type { Command } from "@commander-js/extra-typings";
import { MAX_SMOOTHING } from "../../../device/runtime/detector";
import { numberIn } from "../args";
import { UserError } from "../errors";
import { streamEngineOption, toleranceOption, truthOption } from "../stream-options";

/** "1,2,4" -> whole windows in 1..MAX_SMOOTHING. */
function windows(v: string): number[] {
  const w = v.split(",").map((s) => (s.trim() === "" ? Number.NaN : Number(s)));
  if (!w.every((x) => Number.isInteger(x) && x >= 1 && x <= MAX_SMOOTHING))
    throw new UserError(
      `--smoothing must be whole numbers in 1..${MAX_SMOOTHING}, comma-separated (got '${v}')`,
    );
  return w;
}

export function register(program: Command): void {
  program
    .command("calibrate")
    .description(
      "Lowest threshold (and the smoothing window) meeting a false-accept budget on a built stream, written into a copy of the model as its detector defaults",
    )
    .requiredOption("--model <file>", "device model file")
    .requiredOption("--stream <file.wav>", "stream WAV (earshot stream build)")
    .requiredOption(
      "--target-fa-per-hour <x>",
      "false accepts per hour allowed",
      numberIn("--target-fa-per-hour", 0, 1e6),
    )
    .requiredOption("--out <file.esm>", "the calibrated copy")
    .addOption(truthOption())
    .addOption(streamEngineOption())
    .option(
      "--smoothing <list>",
      "moving-average windows to try, e.g. 1,2,4 (default 1,2,3,4,6,8; the model's own is always tried)",
      windows,
    )
    .addOption(toleranceOption())
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { recordStream } = await import("../../stream/evaluate");
      const { calibrateRecorded, DEFAULT_WINDOWS, withDetectorDefaults } = await import(
        "../../stream/calibrate"
      );
      const { writeFileSync } = await import("node:fs");
      const { emit, notice } = await import("../output");
      const { fastestHostEngine } = await import("../../../device/engines/host-engine");
      const engine = opts.engine ?? fastestHostEngine();
      const rec = await recordStream({
        model: opts.model,
        stream: opts.stream,
        truth: opts.truth,
        engine,
        onRun: () => notice(opts, `running the ${engine} device runtime over ${opts.stream}…`),
      });
      const c = calibrateRecorded(
        rec,
        opts.targetFaPerHour,
        opts.smoothing ?? DEFAULT_WINDOWS,
        opts.toleranceMs,
      );
      try {
        writeFileSync(
          opts.out,
          withDetectorDefaults(rec.modelBytes, c.threshold, c.smoothingWindow),
        );
      } catch (e) {
        throw new UserError(`--out ${opts.out}: ${(e as Error).message}`);
      }
      const streamingMacsPerStride = rec.trace.streamingMacsPerStride;
      emit(
        opts,
        { ...c, model: opts.model, stream: opts.stream, out: opts.out, streamingMacsPerStride },
        (r) =>
          [
            `${r.out}: threshold ${r.threshold} with smoothing ${r.smoothingWindow} (suppression ${r.suppressionMs} ms)`,
            `on ${r.stream}: FRR ${(r.point.frr * 100).toFixed(1)}%, ${r.point.fa_per_hour.toFixed(2)} false accepts per hour (target ${r.targetFaPerHour}), FDR ${(r.point.fdr * 100).toFixed(1)}%, ${r.point.hits} hits, ${r.point.misses} misses, ${r.point.false_accepts} false accepts`,
          ].join("\n"),
      );
    });
}
