import type { Command } from "@commander-js/extra-typings";
import { numberIn, oneOf, positiveInt } from "../args";
import { UserError } from "../errors";

export function register(program: Command): void {
  program
    .command("recipe")
    .description(
      "Run a training recipe end to end (corpus, training, QAT or binary training, export, score on held-out real speakers); resumable",
    )
    .argument("<name>", "recipe: kws12")
    .requiredOption("--out <dir>", "working folder (rerunning continues where it stopped)")
    .option(
      "--variant <v>",
      "int8 (real + synthetic), binary, synth-int8 (no real keyword clip)",
      oneOf("--variant", ["int8", "binary", "synth-int8"] as const),
      "int8",
    )
    .option(
      "--real <dir>",
      "real Speech Commands data, split by speaker (default ../shared/speech/sc-v2-test beside the repository)",
    )
    .option("--noise <dir>", "background noise folder (default <real>/../_background_noise_)")
    .option("--corpus <dir>", "an existing synthetic corpus (default: made under --out)")
    .option(
      "--synth-share <f>",
      "share of every batch from the synthetic corpus",
      numberIn("--synth-share", 0.01, 0.9),
      0.3,
    )
    .option("--epochs <n>", "training epochs", positiveInt("--epochs"), 20)
    .option("--qat-epochs <n>", "8-bit QAT epochs", positiveInt("--qat-epochs"), 4)
    .option("--steps-per-epoch <n>", "steps per epoch", positiveInt("--steps-per-epoch"), 150)
    .option("--seed <n>", "seed", numberIn("--seed", 0, 2 ** 31, true), 0)
    .option("--json", "print the summary as JSON")
    .action(async (name, opts) => {
      const { existsSync } = await import("node:fs");
      const { dirname, join, resolve } = await import("node:path");
      const { kws12Steps, modelFileName } = await import("../../pipeline/kws12");
      const { readReport, runPipeline } = await import("../../pipeline/run");
      const { emit } = await import("../output");
      if (name !== "kws12") throw new UserError(`unknown recipe '${name}' (known: kws12)`);
      const real = resolve(
        opts.real ?? join(import.meta.dirname, "../../../../shared/speech/sc-v2-test"),
      );
      if (!existsSync(real))
        throw new UserError(
          `real speech not found at ${real}: pass --real DIR (Speech Commands layout)`,
        );
      const noise = resolve(opts.noise ?? join(dirname(real), "_background_noise_"));
      if (!existsSync(noise)) throw new UserError(`background noise folder ${noise} not found`);
      const out = resolve(opts.out);
      const steps = kws12Steps({
        out,
        variant: opts.variant,
        real,
        noise,
        corpus: opts.corpus && resolve(opts.corpus),
        synthShare: opts.synthShare,
        epochs: opts.epochs,
        qatEpochs: opts.qatEpochs,
        stepsPerEpoch: opts.stepsPerEpoch,
        seed: opts.seed,
      });
      const done = await runPipeline(steps, (l) => process.stderr.write(`${l}\n`));
      const evalR = readReport<{ accuracy: number; n: number }>(
        join(out, "reports", "eval-test.json"),
      );
      const file = join(out, modelFileName(opts.variant));
      emit(
        opts,
        {
          recipe: name,
          variant: opts.variant,
          model: file,
          heldOutAccuracy: evalR?.accuracy ?? null,
          heldOutClips: evalR?.n ?? null,
          steps: done,
        },
        (r) =>
          `${r.model}: ${r.heldOutAccuracy === null ? "no score" : `${(r.heldOutAccuracy * 100).toFixed(2)}%`} on ${r.heldOutClips ?? "?"} clips of held-out real speakers`,
      );
    });
}
