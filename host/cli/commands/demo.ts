import type { Command } from "@commander-js/extra-typings";

export function register(program: Command): void {
  program
    .command("demo")
    .description(
      "The main job on embedded defaults: synthesize a corpus, compute features, draw plots",
    )
    .option("--out <dir>", "working directory", "demo")
    .option("--json", "machine-readable summary")
    .action(async (opts) => {
      const { runDemo } = await import("../../demo/run");
      await runDemo(opts);
    });
}
