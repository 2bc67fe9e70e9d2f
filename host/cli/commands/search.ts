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
      "Seed 000's iterative search: MFCC {10,20,40}, depth {2..10}, kernel {2..9}, filters {4..64} in turn, under a size cap at the stored bit width, best of N seeds carried forward; resumable (OUT/results.jsonl); binary ensembles after it with earshot search ensemble --from OUT",
    )
    .requiredOption(
      "--family <list>",
      "precision families, comma-separated: float (32-bit sizes, tfjs accuracy, no device cost), int8, int5, int4, binary, or all (= int8,int5,int4,binary: bit widths 8, 5, 4, 1 in one front)",
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
    .command("ensemble")
    .description(
      "Seed 000's binary ensembles (§IV-C) from an iterative search: the smallest binary architectures it trained (whatever their accuracy), each as equal-weight ensembles of its seeds 0..K-1 (reused from the search, the rest trained with its budget), scored on its test subset with integer semantics; resumable (DIR/ensembles.jsonl, drawn by earshot pareto DIR)",
    )
    .requiredOption(
      "--from <dir>",
      "folder of an earshot search iterative run with binary candidates",
    )
    .option(
      "--archs <n>",
      "how many of the smallest binary architectures (default 3)",
      positiveInt("--archs"),
    )
    .option("--members <list>", "ensemble sizes, comma-separated, each >= 2 (default 2,3)")
    .option(
      "--workers <n>",
      "members trained in parallel processes (default 2)",
      numberIn("--workers", 1, 16, true),
    )
    .option(
      "--calib-count <n>",
      "calibration clips for each new member's export (default 128)",
      positiveInt("--calib-count"),
    )
    .option("--json", "print the result as JSON")
    .action(async (opts) => {
      const sizes = (opts.members ?? "2,3").split(",").map((x) => {
        const n = Number(x);
        if (!Number.isInteger(n) || n < 2)
          throw new UserError(
            `--members: expected integers of at least 2, comma-separated (got '${opts.members}')`,
          );
        return n;
      });
      const { runEnsembleCommand, formatEnsembleReport } = await import(
        "../../search/run-ensemble"
      );
      const r = await runEnsembleCommand({
        from: opts.from,
        archs: opts.archs ?? 3,
        sizes,
        workers: opts.workers ?? 2,
        calibCount: opts.calibCount ?? 128,
      });
      const { emit } = await import("../output");
      emit(opts, r, formatEnsembleReport);
    });

  search
    .command("proxyless")
    .description(
      "Seed 004's multi-objective search: MBConv choice blocks (expansion, kernel 3/5/7, identity), loss CE·(log(ops_expected)/log(ops_target))^β, 8-bit STE weights; derive, retrain (int8 QAT), export; MFCC counts as an outer sweep",
    )
    .requiredOption("--data <dir>", "dataset folder (Speech Commands layout)")
    .requiredOption("--out <dir>", "results folder (resumable; records in OUT/results.jsonl)")
    .option(
      "--quick",
      "tiny budget: 16 channels, 4 blocks, expansions 1,3,6, 60 search steps, MFCC 10 (minutes)",
    )
    .option("--mfcc <list>", "MFCC counts of the outer sweep (default 10,20,40; --quick 10)")
    .option(
      "--channels <n>",
      "channels of every block (default 24; seed 004: 72)",
      positiveInt("--channels"),
    )
    .option("--blocks <n>", "choice blocks (default 6; seed 004: 12)", positiveInt("--blocks"))
    .option("--expansions <list>", "expansion rates (default 1,2,3,4,5,6)")
    .option("--search-steps <n>", "supernet steps (default 600)", positiveInt("--search-steps"))
    .option("--beta <x>", "exponent β of the ops term (default 1)", positiveNumber("--beta"))
    .option(
      "--ops-target <macs>",
      "ops target (default: geometric mean of the smallest and largest net)",
      positiveNumber("--ops-target"),
    )
    .option("--epochs <n>", "retraining epochs (default 4; --quick 1)", positiveInt("--epochs"))
    .option(
      "--steps-per-epoch <n>",
      "retraining steps per epoch (default 150; --quick 40)",
      positiveInt("--steps-per-epoch"),
    )
    .option("--batch <n>", "batch size (default 64; --quick 32)", positiveInt("--batch"))
    .option(
      "--split <mode>",
      `subset assignment (default speaker): ${SPLIT_MODES.join(", ")}`,
      oneOf("--split", SPLIT_MODES),
    )
    .option("--json", "print the result as JSON")
    .action(async (opts) => {
      const q = opts.quick === true;
      const list = (v: string | undefined, d: number[], flag: string) =>
        v === undefined
          ? d
          : v.split(",").map((x) => {
              const n = Number(x);
              if (!Number.isInteger(n) || n < 1)
                throw new UserError(`${flag}: expected positive integers (got '${v}')`);
              return n;
            });
      const mfcc = list(opts.mfcc, q ? [10] : [10, 20, 40], "--mfcc");
      for (const m of mfcc)
        if (![10, 20, 40].includes(m))
          throw new UserError(`--mfcc: ${m} has no front-end preset (10, 20 or 40)`);
      const { runProxyless } = await import("../../search/proxyless/search");
      const say = (l: string) => process.stderr.write(`${l}\n`);
      const batch = opts.batch ?? (q ? 32 : 64);
      const res = await runProxyless(
        {
          data: opts.data,
          out: opts.out,
          splitMode: (opts.split ?? "speaker") as "auto" | "speaker",
          mfcc,
          space: {
            channels: opts.channels ?? (q ? 16 : 24),
            blocks: opts.blocks ?? (q ? 4 : 6),
            expansions: list(opts.expansions, q ? [1, 3, 6] : [1, 2, 3, 4, 5, 6], "--expansions"),
            kernels: [3, 5, 7],
            headChannels: 2 * (opts.channels ?? (q ? 16 : 24)),
          },
          searchSteps: opts.searchSteps ?? (q ? 60 : 600),
          warmupSteps: Math.floor((opts.searchSteps ?? (q ? 60 : 600)) / 4),
          batchSize: batch,
          beta: opts.beta ?? 1,
          opsTarget: opts.opsTarget ?? null,
          retrain: {
            epochs: opts.epochs ?? (q ? 1 : 4),
            stepsPerEpoch: opts.stepsPerEpoch ?? (q ? 40 : 150),
            batchSize: batch,
          },
          calibCount: 64,
          seed: 0,
        },
        say,
      );
      const { emit } = await import("../output");
      emit(opts, res, (rs) =>
        rs
          .map(
            (r) =>
              `m${r.mfcc}: ${r.blocks.join(" ")}; expected ops ${(r.opsExpected / 1e6).toFixed(2)}M (target ${(r.opsTarget / 1e6).toFixed(2)}M); retrained test ${r.record.accuracy === null ? "-" : (r.record.accuracy * 100).toFixed(2)}%${r.record.int_accuracy === null ? "" : ` (int ${(r.record.int_accuracy * 100).toFixed(2)}%)`}, ${r.record.kib.toFixed(2)} KiB, ${(r.record.macs / 1e6).toFixed(2)}M MACs`,
          )
          .join("\n"),
      );
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
