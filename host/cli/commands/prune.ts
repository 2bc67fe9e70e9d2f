import type { Command } from "@commander-js/extra-typings";
import { numberIn } from "../args";
import { UserError } from "../errors";

export function register(program: Command): void {
  program
    .command("prune")
    .description(
      "L1 pruning (seed 003): unstructured with frozen masks, or structured channel removal; optional fine-tuning",
    )
    .requiredOption("--model <dir>", "checkpoint folder")
    .requiredOption("--mode <mode>", "structured | unstructured")
    .requiredOption(
      "--sparsity <s>",
      "share of weights (unstructured) or conv channels (structured) to remove, 0..0.99",
      numberIn("--sparsity", 0, 0.99),
    )
    .requiredOption("--out <dir>", "output checkpoint folder")
    .option("--data <dir>", "dataset for fine-tuning and before/after accuracy (test split)")
    .option(
      "--finetune-epochs <n>",
      "fine-tuning epochs on the training split (default 0)",
      numberIn("--finetune-epochs", 0, 1000, true),
      0,
    )
    .option(
      "--lr <x>",
      "fine-tuning learning rate (default 1e-4, seed 003)",
      numberIn("--lr", 1e-8, 1),
      1e-4,
    )
    .option("--no-cache", "do not cache features on disk")
    .option("--json", "print the result as JSON")
    .action(async (opts) => {
      if (opts.mode !== "structured" && opts.mode !== "unstructured")
        throw new UserError(`--mode must be structured or unstructured (got '${opts.mode}')`);
      if (opts.finetuneEpochs > 0 && !opts.data)
        throw new UserError("--finetune-epochs needs --data");
      const { loadBackend } = await import("../../train/backend");
      await loadBackend({ quiet: true });
      const { loadModelDir, saveModelDir, withStep } = await import("../../compress/checkpoint");
      const { accuracy, loadFeatures } = await import("../../compress/data");
      const { applyPrecision } = await import("../../compress/precision");
      const { pruneStructured, pruneUnstructured } = await import("../../compress/prune");
      const { finetune } = await import("../../compress/finetune");
      const { countParams } = await import("../../models");
      const { emit } = await import("../output");
      const cacheDir = opts.cache === false ? null : undefined;
      const { model, meta } = await loadModelDir(opts.model);
      const test = opts.data ? await loadFeatures(opts.data, meta, "test", { cacheDir }) : null;
      const result: Record<string, unknown> = {
        out: opts.out,
        mode: opts.mode,
        sparsity: opts.sparsity,
        paramsBefore: countParams(model),
      };
      if (test) result.accuracyBefore = accuracy(model, test);
      let pruned: typeof model;
      if (opts.mode === "structured") {
        const r = pruneStructured(model, opts.sparsity);
        pruned = r.model;
        result.removedChannels = r.removed;
      } else {
        pruned = applyPrecision(model, meta.precision ?? "float", {
          ...(meta.precisionOptions ?? {}),
          masked: true,
        });
        const r = pruneUnstructured(pruned, opts.sparsity);
        result.zeroedWeights = r.pruned;
      }
      result.paramsAfter = countParams(pruned) - ((result.zeroedWeights as number) ?? 0);
      if (test) result.accuracyPruned = accuracy(pruned, test);
      if (opts.finetuneEpochs > 0 && opts.data) {
        const train = await loadFeatures(opts.data, meta, "train", { cacheDir });
        finetune(pruned, train, { epochs: opts.finetuneEpochs, lr: opts.lr });
        if (test) result.accuracyFinetuned = accuracy(pruned, test);
      }
      const step = {
        method: `prune-${opts.mode}`,
        sparsity: opts.sparsity,
        finetuneEpochs: opts.finetuneEpochs,
      };
      await saveModelDir(opts.out, pruned, withStep(meta, step));
      emit(opts, result, (v) =>
        [
          `wrote ${v.out}: ${v.mode} pruning at ${v.sparsity}: ${v.paramsBefore} -> ${v.paramsAfter} nonzero parameters`,
          v.accuracyBefore !== undefined
            ? `test accuracy ${fmt(v.accuracyBefore)} -> pruned ${fmt(v.accuracyPruned)}`
            : "",
          v.accuracyFinetuned !== undefined ? ` -> fine-tuned ${fmt(v.accuracyFinetuned)}` : "",
        ].join("; "),
      );
    });
}

function fmt(a: unknown): string {
  return `${((a as number) * 100).toFixed(2)}%`;
}
