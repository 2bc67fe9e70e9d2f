import type { Command } from "@commander-js/extra-typings";
import { numberIn } from "../args";
import { UserError } from "../errors";
import { group } from "../group";
import { emit } from "../output";

export function register(program: Command): void {
  const model = group(program, "model", "Device model files: copies with other settings");

  model
    .command("defaults")
    .description(
      "Write a copy of a device model file with other default detector settings (threshold, smoothing)",
    )
    .argument("<file>", "device model file (earshot export output)")
    .option("--threshold <x>", "default detection threshold, 0..1", numberIn("--threshold", 0, 1))
    .option(
      "--smoothing <n>",
      "default smoothing window, in inferences",
      numberIn("--smoothing", 1, 64, true),
    )
    .option(
      "--version <n>",
      "model version of the copy (default: the original's)",
      numberIn("--version", 1, 2 ** 31 - 1, true),
    )
    .requiredOption("--out <file>", "where to write the copy (never the input file)")
    .option("--json", "machine-readable output")
    .action(async (file, opts) => {
      const { readFileSync, writeFileSync } = await import("node:fs");
      const { resolve } = await import("node:path");
      const { decodeModel } = await import("../../../shared/model-format/decode");
      const { encodeModel } = await import("../../../shared/model-format/encode");
      if (opts.threshold === undefined && opts.smoothing === undefined && !opts.version)
        throw new UserError("give --threshold, --smoothing or --version: nothing to change");
      if (resolve(file) === resolve(opts.out))
        throw new UserError("--out must differ from the input file (the original is kept)");
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new UserError(`cannot read model file '${file}': ${(e as Error).message}`);
      }
      // ModelFormatError is `expected`: a corrupt file ends in its one line.
      const m = decodeModel(Array.from(bytes));
      const before = { threshold: m.threshold, smoothing: m.smoothingWindow };
      if (opts.threshold !== undefined) m.threshold = opts.threshold;
      if (opts.smoothing !== undefined) m.smoothingWindow = opts.smoothing;
      if (opts.version) m.modelVersion = opts.version;
      const out = Uint8Array.from(encodeModel(m));
      decodeModel(Array.from(out)); // the copy must read back (range checks included)
      writeFileSync(opts.out, out);
      emit(
        opts,
        {
          out: opts.out,
          modelId: m.modelId,
          version: m.modelVersion,
          threshold: m.threshold,
          smoothing: m.smoothingWindow,
          was: before,
        },
        (r) =>
          `${r.out}: ${r.modelId} v${r.version}, threshold ${r.threshold} (was ${r.was.threshold}), smoothing ${r.smoothing} (was ${r.was.smoothing})`,
      );
    });
}
