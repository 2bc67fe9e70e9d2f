import type { Command } from "@commander-js/extra-typings";

export function register(program: Command): void {
  program
    .command("pareto")
    .description(
      "Pareto fronts of search results: accuracy vs KiB, vs MACs and vs device cost; table, JSON, SVG/PNG plots with seed 000's published points and the search's ensembles (earshot search ensemble) as their own series",
    )
    .argument("<dirs...>", "search folders (each with results.jsonl)")
    .requiredOption("--out <dir>", "folder for fronts.md, fronts.json and pareto-*.svg/png")
    .option(
      "--json",
      'print { "fronts": { "<objective>": [ { config, accuracy, kib, macs, device_instr_per_s } ] } } (and "ensembles": [ points ] when DIR has ensembles.jsonl)',
    )
    .action(async (dirs, opts) => {
      const { paretoJson, writePareto } = await import("../../search/pareto-report");
      const r = await writePareto(dirs, opts.out);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(paretoJson(r, r.ensembles))}\n`);
        return;
      }
      const { readFileSync } = await import("node:fs");
      process.stdout.write(
        `${readFileSync(r.table, "utf8")}\nplots: ${r.plots.map((p) => p.png).join(", ")}\n`,
      );
    });
}
