import type { Command } from "@commander-js/extra-typings";
import { positiveInt } from "../args";

export function register(program: Command): void {
  program
    .command("demo")
    .description(
      "The main job on embedded defaults: synthesize a TTS corpus, dataset stats, front-end plots, " +
        "train res8-narrow, evaluate (synthetic and, when ../shared/speech is there, real speech), " +
        "export an int8 device model, inspect it and stream a clip through the device runtime",
    )
    .option("--out <dir>", "working directory (rerunning reuses the cached corpus)", "demo")
    .option("--per-word <n>", "clips per keyword in the corpus", positiveInt("--per-word"))
    .option("--epochs <n>", "training epochs", positiveInt("--epochs"))
    .option("--steps-per-epoch <n>", "training steps per epoch", positiveInt("--steps-per-epoch"))
    .option("--json", "machine-readable summary")
    .action(async (opts) => {
      const { runDemo } = await import("../../demo/run");
      await runDemo(opts);
    });
}
