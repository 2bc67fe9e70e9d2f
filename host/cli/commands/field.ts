import type { Command } from "@commander-js/extra-typings";
import { UserError } from "../errors";
import { group } from "../group";
import { emit } from "../output";
import { serviceOption, tokenFileOption } from "../service-options";

export function register(program: Command): void {
  const field = group(program, "field", "What the fleet heard: datasets from the field");

  field
    .command("export")
    .description(
      "Write the feature windows devices sent (detections and near misses), labelled by the service's verifier, as a dataset `earshot train --field-windows DIR:SHARE` reads",
    )
    .requiredOption("--model <id>", "model id (or id@vN) whose windows to export")
    .requiredOption("--out <dir>", "output folder")
    .option(
      "--model-file <file>",
      "the device model file the windows came from (its input normalization is undone; default: the shipped model)",
    )
    .option("--fleet <id>", "only this fleet")
    .addOption(serviceOption())
    .addOption(tokenFileOption())
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { readFileSync } = await import("node:fs");
      const { clientApiToken } = await import("../../fleet/api-token");
      const { callService } = await import("../../ota/publish");
      const { exportWindows } = await import("../../fleet/field/export");
      const { modelOrShipped } = await import("../../models/shipped");
      const file = modelOrShipped(opts.modelFile);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(readFileSync(file));
      } catch (e) {
        throw new UserError(`cannot read --model-file ${file}: ${(e as Error).message}`);
      }
      const token = clientApiToken(opts.apiTokenFile);
      const q = new URLSearchParams({ model: opts.model });
      if (opts.fleet) q.set("fleet", opts.fleet);
      const r = (await callService(opts.service, token, `/api/field/windows?${q}`)) as {
        verifierThreshold: number | null;
        windows: import("../../fleet/field/near-misses").WindowRow[];
      };
      const summary = exportWindows(r.windows, r.verifierThreshold, bytes, opts.model, opts.out);
      emit(opts, summary, (s) =>
        [
          `${s.out}: ${s.windows} windows (${Object.entries(s.byLabel)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ")})`,
          `skipped: ${s.skipped.unverified} unverified, ${s.skipped.otherShape} of another shape`,
          `train with: earshot train ... --field-windows ${s.out}:0.1`,
        ].join("\n"),
      );
    });
}
