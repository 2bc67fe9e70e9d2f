import type { Command } from "@commander-js/extra-typings";
import { numberIn, positiveInt } from "../args";
import { UserError } from "../errors";

/** `--sweep 0.25,0.5,0.75,0.9`: distinct sparsities in (0, 0.99], ascending. */
function sparsityList(v: string): number[] {
  const parts = v.split(",").map((s) => s.trim());
  const levels = parts.map(Number);
  if (parts.some((s) => s === "") || levels.some((s) => !Number.isFinite(s) || s <= 0 || s > 0.99))
    throw new UserError(
      `--sweep takes comma-separated sparsities in (0, 0.99], e.g. 0.25,0.5,0.75,0.9 (got '${v}')`,
    );
  return [...new Set(levels)].sort((a, b) => a - b);
}

export function register(program: Command): void {
  program
    .command("prune")
    .description(
      "L1 pruning (seed 003): unstructured with frozen masks, or structured channel removal; optional fine-tuning; --sweep for the accuracy vs size/compute/runtime trade-off",
    )
    .requiredOption("--model <dir>", "checkpoint folder (or a train --out folder: its best/)")
    .requiredOption("--mode <mode>", "structured | unstructured (| both, with --sweep)")
    .option(
      "--sparsity <s>",
      "share of weights (unstructured) or conv channels (structured) to remove, 0..0.99",
      numberIn("--sparsity", 0, 0.99),
    )
    .option(
      "--sweep <list>",
      "instead of --sparsity: prune, fine-tune, export and measure at each level plus the unpruned baseline; writes report.md, report.json, prune-sweep.svg, checkpoints and .earshot files under --out",
      sparsityList,
    )
    .requiredOption("--out <dir>", "output checkpoint folder (with --sweep: the report folder)")
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
    .option(
      "--split <mode>",
      "auto or speaker (e.g. speaker for ../shared/speech/sc-v2-test)",
      "auto",
    )
    .option("--calib <dir>", "with --sweep: export calibration dataset (default --data)")
    .option(
      "--calib-count <n>",
      "with --sweep: calibration clips (default 256)",
      positiveInt("--calib-count"),
      256,
    )
    .option(
      "--time-clips <n>",
      "with --sweep: clips per timing round (default 16)",
      positiveInt("--time-clips"),
      16,
    )
    .option(
      "--time-rounds <n>",
      "with --sweep: interleaved timing rounds (default 5)",
      positiveInt("--time-rounds"),
      5,
    )
    .option("--no-cache", "do not cache features on disk")
    .option("--json", "print the result as JSON")
    .action(async (opts) => {
      if (opts.split !== "auto" && opts.split !== "speaker")
        throw new UserError(`--split must be auto or speaker (got '${opts.split}')`);
      if (opts.sweep !== undefined) return sweep(opts as typeof opts & { sweep: number[] });
      if (opts.mode !== "structured" && opts.mode !== "unstructured")
        throw new UserError(`--mode must be structured or unstructured (got '${opts.mode}')`);
      if (opts.sparsity === undefined) throw new UserError("give --sparsity S or --sweep LIST");
      if (opts.finetuneEpochs > 0 && !opts.data)
        throw new UserError("--finetune-epochs needs --data");
      const { loadBackend } = await import("../../train/backend");
      await loadBackend({ quiet: true });
      const { loadModelDir, saveModelDir, withStep } = await import("../../compress/checkpoint");
      const { accuracy, loadFeatures } = await import("../../compress/data");
      const { pruneModel } = await import("../../compress/prune-sweep");
      const { finetune } = await import("../../compress/finetune");
      const { countParams } = await import("../../models");
      const { emit } = await import("../output");
      const cacheDir = opts.cache === false ? null : undefined;
      const splitMode = opts.split as "auto" | "speaker";
      const { model, meta } = await loadModelDir(opts.model);
      const test = opts.data
        ? await loadFeatures(opts.data, meta, "test", { cacheDir, splitMode })
        : null;
      const result: Record<string, unknown> = {
        out: opts.out,
        mode: opts.mode,
        sparsity: opts.sparsity,
        paramsBefore: countParams(model),
      };
      if (test) result.accuracyBefore = accuracy(model, test);
      const p = pruneModel(model, meta, opts.mode, opts.sparsity);
      const pruned = p.model;
      if (p.removedChannels) result.removedChannels = p.removedChannels;
      if (p.zeroedWeights !== undefined) result.zeroedWeights = p.zeroedWeights;
      result.paramsAfter = countParams(pruned) - (p.zeroedWeights ?? 0);
      if (test) result.accuracyPruned = accuracy(pruned, test);
      if (opts.finetuneEpochs > 0 && opts.data) {
        const train = await loadFeatures(opts.data, meta, "train", { cacheDir, splitMode });
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

interface SweepFlags {
  model: string;
  mode: string;
  sweep: number[];
  sparsity?: number;
  out: string;
  data?: string;
  finetuneEpochs: number;
  lr: number;
  split: string;
  calib?: string;
  calibCount: number;
  timeClips: number;
  timeRounds: number;
  cache: boolean;
  json?: boolean;
}

async function sweep(opts: SweepFlags): Promise<void> {
  if (opts.mode !== "structured" && opts.mode !== "unstructured" && opts.mode !== "both")
    throw new UserError(`--mode must be structured, unstructured or both (got '${opts.mode}')`);
  if (opts.sparsity !== undefined) throw new UserError("give --sparsity or --sweep, not both");
  if (!opts.data) throw new UserError("--sweep needs --data (fine-tuning and test accuracy)");
  const { mkdirSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { loadBackend } = await import("../../train/backend");
  await loadBackend({ quiet: true });
  const { loadModelDir } = await import("../../compress/checkpoint");
  const { loadFeatures } = await import("../../compress/data");
  const { pruneSweep } = await import("../../compress/prune-sweep");
  const { sweepMarkdown, sweepSpec, sweepTable } = await import(
    "../../compress/prune-sweep-report"
  );
  const { renderSvg } = await import("../../features/plot");
  const { emit } = await import("../output");
  const cacheDir = opts.cache === false ? null : undefined;
  const splitMode = opts.split as "auto" | "speaker";
  const { meta } = await loadModelDir(opts.model);
  const train = await loadFeatures(opts.data, meta, "train", { cacheDir, splitMode });
  const test = await loadFeatures(opts.data, meta, "test", { cacheDir, splitMode });
  mkdirSync(opts.out, { recursive: true });
  const report = await pruneSweep({
    model: opts.model,
    data: opts.data,
    out: opts.out,
    modes: opts.mode === "both" ? ["structured", "unstructured"] : [opts.mode],
    levels: opts.sweep,
    train,
    test,
    calib: opts.calib ?? opts.data,
    calibCount: opts.calibCount,
    splitMode,
    cacheDir,
    finetuneEpochs: opts.finetuneEpochs,
    lr: opts.lr,
    timeRounds: opts.timeRounds,
    timeClips: opts.timeClips,
    onRow: (r) => {
      if (!opts.json)
        process.stderr.write(
          `${r.mode} ${r.sparsity}: pruned ${fmt(r.accuracyPruned)} -> fine-tuned ${fmt(r.accuracyFinetuned)}, exported ${fmt(r.accuracyExported)}, ${r.nonzeroParams} nonzero params, ${r.macs} MACs\n`,
        );
    },
  });
  writeFileSync(join(opts.out, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(opts.out, "report.md"), sweepMarkdown(report));
  writeFileSync(join(opts.out, "prune-sweep.svg"), await renderSvg(sweepSpec(report)));
  emit(
    opts,
    report,
    (r) => `${sweepTable(r)}\nwrote ${join(opts.out, "report.md")}, report.json, prune-sweep.svg`,
  );
}

function fmt(a: unknown): string {
  return `${((a as number) * 100).toFixed(2)}%`;
}
