import type { Command } from "@commander-js/extra-typings";
import { UserError } from "../errors";

function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new UserError(`${name} must be a positive integer (got '${v}')`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command("demo")
    .description(
      "The main job on embedded defaults: synthesize a TTS corpus, dataset stats, front-end plots, " +
        "train res8-narrow, evaluate (synthetic and, when ../shared/speech is there, real speech), " +
        "export an int8 device model, inspect it and stream a clip through the device runtime",
    )
    .option("--out <dir>", "working directory (rerunning reuses the cached corpus)", "demo")
    .option("--per-word <n>", "clips per keyword in the corpus", positive("--per-word"))
    .option("--epochs <n>", "training epochs", positive("--epochs"))
    .option("--steps-per-epoch <n>", "training steps per epoch", positive("--steps-per-epoch"))
    .option("--json", "machine-readable summary")
    .action(async (opts) => {
      const { runDemo } = await import("../../demo/run");
      await runDemo(opts);
    });
}
