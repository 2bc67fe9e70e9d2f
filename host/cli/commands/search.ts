import type { Command } from "@commander-js/extra-typings";
import { SPLIT_MODES } from "../../data/dataset";
import { numberIn, oneOf, positiveInt, positiveNumber } from "../args";
import { UserError } from "../errors";
import { group } from "../group";

/** --quick: minutes on two cores (a shape, not a result); the defaults: hours. */
const QUICK = { epochs: 1, stepsPerEpoch: 40, batchSize: 32, seeds: 2 };
const FULL = { epochs: 4, stepsPerEpoch: 150, batchSize: 64, seeds: 3 };

export function register(program: Command): void {
  const search = group(
    program,
    "search",
    "Architecture search (seed 000 iterative, seed 004 ProxylessNAS)",
  );
  search
    .command("iterative")
    .description(
      "Seed 000's iterative search: MFCC {10,20,40}, depth {2..10}, kernel {2..9}, filters {4..64} in turn, under a size cap at the stored bit width, best of N seeds carried forward; resumable (OUT/results.jsonl)",
    )
    .requiredOption(
      "--family <list>",
      "precision families, comma-separated: float, int8, int5, int4, binary, or all (= int8,int5,int4,binary: bit widths 8, 5, 4, 1 in one front)",
    )
    .requiredOption("--data <dir>", "dataset folder (Speech Commands layout)")
    .requiredOption(
      "--out <dir>",
      "results folder (resumes when it holds a search with the same options)",
    )
    .option("--quick", "tiny budget: 1 epoch x 40 steps, batch 32, 2 seeds (minutes)")
    .option("--epochs <n>", "epochs per candidate (default 4; --quick 1)", positiveInt("--epochs"))
    .option(
      "--steps-per-epoch <n>",
      "steps per epoch (default 150; --quick 40)",
      positiveInt("--steps-per-epoch"),
    )
    .option("--batch <n>", "batch size (default 64; --quick 32)", positiveInt("--batch"))
    .option("--seeds <n>", "trainings per candidate (default 3; --quick 2)", positiveInt("--seeds"))
    .option(
      "--size-cap <kib>",
      "skip architectures above this many KiB at the stored bit width (default 80)",
      positiveNumber("--size-cap"),
    )
    .option(
      "--workers <n>",
      "candidates trained in parallel processes (default 2)",
      numberIn("--workers", 1, 16, true),
    )
    .option(
      "--split <mode>",
      `subset assignment (default speaker: held-out speakers): ${SPLIT_MODES.join(", ")}`,
      oneOf("--split", SPLIT_MODES),
    )
    .option(
      "--calib-count <n>",
      "calibration clips for each export (default 128)",
      positiveInt("--calib-count"),
    )
    .option("--json", "print the result as JSON")
    .action(async (opts) => {
      const { FAMILIES, isFamily } = await import("../../search/space");
      const list =
        opts.family === "all"
          ? ["int8", "int5", "int4", "binary"]
          : opts.family.split(",").map((f) => f.trim());
      for (const f of list)
        if (!isFamily(f))
          throw new UserError(
            `--family: unknown family '${f}' (known: ${FAMILIES.join(", ")}, all)`,
          );
      const { runIterativeCommand } = await import("../../search/run-iterative");
      const base = opts.quick ? QUICK : FULL;
      const { progress } = await import("../progress");
      const result = await runIterativeCommand({
        families: list as never,
        data: opts.data,
        out: opts.out,
        splitMode: (opts.split ?? "speaker") as "auto" | "speaker",
        budget: {
          epochs: opts.epochs ?? base.epochs,
          stepsPerEpoch: opts.stepsPerEpoch ?? base.stepsPerEpoch,
          batchSize: opts.batch ?? base.batchSize,
        },
        seeds: opts.seeds ?? base.seeds,
        capKib: opts.sizeCap ?? 80,
        workers: opts.workers ?? 2,
        calibCount: opts.calibCount ?? 128,
        json: opts.json === true,
        progress: (total) => progress("search", total, { json: opts.json, fields: "{last}" }),
      });
      const { emit } = await import("../output");
      const { formatIterative } = await import("../../search/run-iterative");
      emit(opts, result, formatIterative);
    });

  search
    .command("candidate")
    .description(
      "Train and score one candidate from a job file (what each search worker process runs)",
    )
    .requiredOption("--job <file>", "job JSON written by the search")
    .option("--json", "print the record as JSON")
    .action(async (opts) => {
      const { readFileSync } = await import("node:fs");
      let job: import("../../search/candidate").CandidateJob;
      try {
        job = JSON.parse(readFileSync(opts.job, "utf8"));
      } catch (e) {
        throw new UserError(`--job ${opts.job}: ${(e as Error).message}`);
      }
      const { runCandidate } = await import("../../search/candidate");
      const { loadBackend } = await import("../../train/backend");
      await loadBackend({ quiet: true });
      const say = (l: string) => process.stderr.write(`${l}\n`);
      const r = await runCandidate(job, say);
      const { emit } = await import("../output");
      emit(opts, r, (x) => JSON.stringify(x));
    });
}
