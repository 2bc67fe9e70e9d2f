import type { Command } from "@commander-js/extra-typings";
import { UserError } from "../errors";

export function register(program: Command): void {
  program
    .command("inspect")
    .description("Per-layer report of a device model file: shapes, bytes, MACs, FLOPs, arena peak")
    .argument("<file>", "device model file (earshot export output)")
    .option("--json", "machine-readable output")
    .action(async (file, opts) => {
      const { readFile } = await import("node:fs/promises");
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (e) {
        throw new UserError(
          `cannot read model file '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
      }
      const { decodeModel } = await import("../../../shared/model-format/decode");
      const { modelReport, formatReport } = await import("../../compress/model-report");
      const { emit } = await import("../output");
      // ModelFormatError is `expected`: the CLI prints its one line and exits 1.
      const model = decodeModel(Array.from(bytes));
      emit(opts, modelReport(model, bytes.length), formatReport);
    });
}
