import type { Command } from "@commander-js/extra-typings";
import { SPLIT_MODES } from "../../data/dataset";
import { oneOf } from "../args";
import { UserError } from "../errors";
import { group } from "../group";

function percent(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 100)
      throw new UserError(`${name} must be a number from 0 to 100 (got '${v}')`);
    return n;
  };
}

function percentOrAll(name: string) {
  return (v: string): number | "all" => (v === "all" ? "all" : percent(name)(v));
}

export function register(program: Command): void {
  group(program, "data", "data commands")
    .command("stats")
    .description("Per-class counts per split, speakers, skipped files")
    .requiredOption("--data <dir>", "Speech Commands folder (full or test-set layout)")
    .option("--keywords <list>", "comma-separated keywords (default: the standard ten)")
    .option(
      "--validation-percent <n>",
      "hash split: percent of speakers in validation",
      percent("--validation-percent"),
      10,
    )
    .option(
      "--testing-percent <n>",
      "hash split: percent of speakers in test",
      percent("--testing-percent"),
      10,
    )
    .option(
      "--split <mode>",
      `subset assignment: ${SPLIT_MODES.join(", ")}`,
      oneOf("--split", SPLIT_MODES),
      "auto" as const,
    )
    .option("--noise <dir>", "background noise folder (default <data>/_background_noise_)")
    .option(
      "--unknown-percent <n|all>",
      "unknown examples per subset, % of keyword examples",
      percentOrAll("--unknown-percent"),
    )
    .option(
      "--silence-percent <n|all>",
      "silence examples per subset, % of keyword examples",
      percentOrAll("--silence-percent"),
    )
    .option("--seed <n>", "seed for unknown/silence sampling", (v) => Number.parseInt(v, 10), 0)
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      if (opts.validationPercent + opts.testingPercent > 100)
        throw new UserError("--validation-percent plus --testing-percent exceeds 100");
      const { scanDataset } = await import("../../data/dataset");
      const { buildTask } = await import("../../data/task");
      const { datasetStats, formatStats } = await import("../../data/stats");
      const { progress } = await import("../progress");
      const { emit } = await import("../output");

      let bar: ReturnType<typeof progress> | null = null;
      let shown = 0;
      const ds = await scanDataset(opts.data, {
        splitMode: opts.split,
        percents: { validation: opts.validationPercent, test: opts.testingPercent },
        noiseDir: opts.noise,
        onProgress: (done, total) => {
          // Only worth a bar when there are many headers to read.
          if (!bar && total >= 500) bar = progress("reading headers", total, { json: opts.json });
          bar?.tick(done - shown);
          shown = done;
        },
      });
      (bar as ReturnType<typeof progress> | null)?.stop();
      const task = buildTask(
        ds,
        {
          keywords: opts.keywords?.split(","),
          unknownPercent: opts.unknownPercent,
          silencePercent: opts.silencePercent,
        },
        opts.seed,
      );
      emit(opts, datasetStats(ds, task), formatStats);
    });
}
