import type { Command } from "@commander-js/extra-typings";
import { VTLP_DOMAINS } from "../../data/augment";
import { KWS12_MODELS, type Kws12Model } from "../../pipeline/kws12";
import { MAX_AUGMENTED_COPIES } from "../../train/augmented-copies";
import { jsonObjectArg, numberIn, oneOf, positiveInt, rangeArg, repeated, vtlpArg } from "../args";
import { UserError } from "../errors";

export function register(program: Command): void {
  program
    .command("recipe")
    .description(
      "Run a training recipe end to end (corpus, training, QAT or binary training, export, score on held-out real speakers); resumable",
    )
    .argument("<name>", "recipe: kws12")
    .requiredOption(
      "--out <dir>",
      "working folder (rerunning with the same --variant and --model continues where it stopped)",
    )
    .option(
      "--variant <v>",
      "int8 (real + synthetic), binary, synth-int8 (no real keyword clip)",
      oneOf("--variant", ["int8", "binary", "synth-int8"] as const),
      "int8",
    )
    .option(
      "--model <name>",
      "the 8-bit variants' network: res8-narrow, or one causal in time, whose new frames alone the device computes each stride: res8-stream (res8-narrow's twin) or ds-stream (depthwise-separable blocks) (default: res8-narrow)",
      kws12Model,
    )
    .option(
      "--model-config <json>",
      `the 8-bit variants' network hyperparameters over its defaults, as a JSON object, e.g. '{"pool":[4,3],"skip":"crop"}' for res8-stream`,
    )
    .option(
      "--real <dir>",
      "real Speech Commands data, split by speaker (default ../shared/speech/sc-v2-test beside the repository)",
    )
    .option(
      "--noise <dir>",
      "background noise folder (default <real>/_background_noise_, else the one beside <real>)",
    )
    .option("--corpus <dir>", "an existing synthetic corpus (default: made under --out)")
    .option(
      "--synth-share <f>",
      "share of every batch from the synthetic corpus (0: real speech alone, no corpus)",
      numberIn("--synth-share", 0, 0.9),
      0.3,
    )
    .option("--epochs <n>", "training epochs", positiveInt("--epochs"), 20)
    .option("--qat-epochs <n>", "8-bit QAT epochs", positiveInt("--qat-epochs"), 4)
    .option("--steps-per-epoch <n>", "steps per epoch", positiveInt("--steps-per-epoch"), 150)
    .option("--seed <n>", "seed", numberIn("--seed", 0, 2 ** 31, true), 0)
    .option(
      "--stream-minutes <m>",
      "length of the calibration and test streams (in 30 minutes one false accept is 2 per hour)",
      numberIn("--stream-minutes", 0.5, 600),
      30,
    )
    .option(
      "--target-fa-per-hour <x>",
      "false accepts per hour the threshold is calibrated to",
      numberIn("--target-fa-per-hour", 0, 1000),
      1,
    )
    .option(
      "--distill-set <dir>",
      "mix this distillation set (`earshot teacher distill-set`) into every training batch (default: none)",
    )
    .option(
      "--distill-share <f>",
      "share of every batch from --distill-set",
      numberIn("--distill-share", 0.01, 0.9),
      0.3,
    )
    .option(
      "--distill-weight <w>",
      "weight of the soft-label loss on --distill-set rows",
      numberIn("--distill-weight", 0, 1),
      0.5,
    )
    .option(
      "--teacher <model.esm>",
      "online teacher for both training stages: an exported kws12 model (e.g. models/kws12-int8.esm) whose probabilities on every augmented row are soft targets; repeat it for an ensemble, whose mean probabilities teach (`train --teacher`; default: none)",
      repeated,
    )
    .option(
      "--teacher-seeds <n>",
      "first train n runs of this same recipe (seeds 0..n-1, no teacher) under <out>/teachers/, then teach this run with their ensemble, with any --teacher files (the shipped synth-int8 model: 5) (default: none)",
      numberIn("--teacher-seeds", 1, 32, true),
    )
    .option(
      "--teacher-weight <w>",
      "weight of the teacher's soft-target loss",
      numberIn("--teacher-weight", 0, 1),
      0.5,
    )
    .option(
      "--teacher-temperature <t>",
      "temperature of the teacher's probabilities",
      numberIn("--teacher-temperature", 0.1, 20),
      2,
    )
    .option(
      "--unknown-boost <share>",
      "an extra share of every batch from the real train speakers' _unknown_ clips (other words) (default: none)",
      numberIn("--unknown-boost", 0, 0.5),
    )
    .option(
      "--snr-db <lo,hi>",
      "SNR range of the augmentation noise, dB (default: the recipe's 0,20)",
      rangeArg("--snr-db", "in dB"),
    )
    .option(
      "--vtlp <lo,hi>",
      "vocal tract warp range of augmented clips ('off': none) (default: the recipe's)",
      // Checked here, so a bad range fails before the corpus is made; the train steps get it as given.
      (v: string) => {
        vtlpArg(v);
        return v;
      },
    )
    .option(
      "--vtlp-domain <d>",
      "where the warp is applied: audio or filterbank (warped mel filters: half the augmentation CPU, the epoch at the step's speed) (default: the recipe's)",
      oneOf("--vtlp-domain", VTLP_DOMAINS),
    )
    .option(
      "--eq <db>",
      "random equaliser band gain, dB (0: none) (default: the recipe's)",
      numberIn("--eq", 0, 24),
    )
    .option(
      "--babble <p>",
      "chance of babble under an augmented clip (default: the recipe's)",
      numberIn("--babble", 0, 1),
    )
    .option(
      "--label-smoothing <e>",
      "label smoothing of the hard targets (default: the recipe's, 0.1; 0 for the binary variant)",
      numberIn("--label-smoothing", 0, 0.5),
    )
    .option("--spec-augment", "SpecAugment on every training example (the 8-bit variants' default)")
    .option(
      "--no-spec-augment",
      "no SpecAugment (the binary variant's default; the int8 recipe without it and label smoothing: +4.1 held-out at 36 epochs, -5.6 at 100, equal on validation)",
    )
    .option(
      "--augment-copies <k>",
      "augmented copies per example, made once and kept in the feature cache: faster epochs, but 8 cost the int8 recipe 9 points on held-out speakers (default: 0, a fresh augmentation every draw)",
      numberIn("--augment-copies", 0, MAX_AUGMENTED_COPIES, true),
    )
    .option(
      "--weight-average <decay>",
      "8-bit variants: moving average of the weights in float training, decay per step (e.g. 0.999); validation, QAT and export start from it (default: none)",
      numberIn("--weight-average", 0.5, 0.99999),
    )
    .option(
      "--mixup <alpha>",
      "mixup in the float training: every example mixed with another of its batch, lam ~ Beta(alpha, alpha) (not with --distill-set); 0.2 cost the int8 recipe 4-9 points on held-out speakers at two seeds, equal on validation (default: none)",
      numberIn("--mixup", 0.01, 10),
    )
    .option("--json", "print the summary as JSON")
    .action(async (name, opts) => {
      const { existsSync } = await import("node:fs");
      const { dirname, join, resolve } = await import("node:path");
      const { kws12Steps, modelFileName, trainedModel } = await import("../../pipeline/kws12");
      const { checkResumable } = await import("../../pipeline/kws12-resume");
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
      // The canonical test-set folder (it has _unknown_/) is re-split by speaker; the full dataset
      // keeps its own lists or hash split.
      const testSetLayout = existsSync(join(real, "_unknown_"));
      const noise = resolve(
        opts.noise ??
          (existsSync(join(real, "_background_noise_"))
            ? join(real, "_background_noise_")
            : join(dirname(real), "_background_noise_")),
      );
      if (!existsSync(noise)) throw new UserError(`background noise folder ${noise} not found`);
      if (opts.variant === "binary" && opts.model !== undefined)
        throw new UserError(
          "--model picks the 8-bit variants' network; --variant binary always trains res8-bin",
        );
      const modelConfig = jsonObjectArg("--model-config", opts.modelConfig);
      if (opts.variant === "binary" && opts.modelConfig !== undefined)
        throw new UserError(
          "--model-config sets the 8-bit variants' network; the binary variant's res8-bin is fixed",
        );
      if (Object.keys(modelConfig).length > 0) {
        // Built once on the recipe's input (98 x 40 MFCC; the class count does not matter), so
        // a bad value stops the run here rather than after the corpus step.
        const { buildModel, checkModelConfig } = await import("../../models");
        const model = opts.model ?? "res8-narrow";
        checkModelConfig(model, modelConfig);
        const { frameCount, MFCC_30_10_40 } = await import("../../../shared/features/config");
        const { CLIP_SAMPLES } = await import("../../data/wav/read");
        const frames = frameCount(CLIP_SAMPLES, MFCC_30_10_40);
        buildModel(model, {
          ...modelConfig,
          inputShape: [frames, MFCC_30_10_40.nCoeffs, 1],
          numClasses: 12,
        } as never).dispose();
      }
      const out = resolve(opts.out);
      const options: import("../../pipeline/kws12").Kws12Options = {
        out,
        variant: opts.variant,
        model: opts.model ?? "res8-narrow",
        ...(opts.modelConfig !== undefined && { modelConfig }),
        real,
        realSplit: testSetLayout ? "speaker" : "auto",
        noise,
        corpus: opts.corpus && resolve(opts.corpus),
        synthShare: opts.synthShare,
        epochs: opts.epochs,
        qatEpochs: opts.qatEpochs,
        stepsPerEpoch: opts.stepsPerEpoch,
        seed: opts.seed,
        streamMinutes: opts.streamMinutes,
        targetFaPerHour: opts.targetFaPerHour,
        ...(opts.distillSet && {
          distillSet: {
            dir: resolve(opts.distillSet),
            share: opts.distillShare,
            weight: opts.distillWeight,
          },
        }),
        ...(opts.teacher && {
          teacher: {
            models: opts.teacher.map((m) => resolve(m)),
            weight: opts.teacherWeight,
            temperature: opts.teacherTemperature,
          },
        }),
        ...(opts.teacherSeeds !== undefined && { teacherSeeds: opts.teacherSeeds }),
        ...(opts.teacherSeeds !== undefined &&
          !opts.teacher && {
            teacher: {
              models: [],
              weight: opts.teacherWeight,
              temperature: opts.teacherTemperature,
            },
          }),
        ...(opts.snrDb && { snrDb: opts.snrDb }),
        ...(opts.unknownBoost && { unknownBoost: opts.unknownBoost }),
        ...(opts.augmentCopies ? { augmentCopies: opts.augmentCopies } : {}),
        ...(opts.weightAverage !== undefined && { weightAverage: opts.weightAverage }),
        ...(opts.mixup !== undefined && { mixup: opts.mixup }),
        levers: {
          ...(opts.vtlp !== undefined && { vtlp: opts.vtlp }),
          ...(opts.vtlpDomain !== undefined && { vtlpDomain: opts.vtlpDomain }),
          ...(opts.eq !== undefined && { eq: opts.eq }),
          ...(opts.babble !== undefined && { babble: opts.babble }),
          ...(opts.labelSmoothing !== undefined && { labelSmoothing: opts.labelSmoothing }),
          ...(opts.specAugment !== undefined && { specAugment: opts.specAugment }),
        },
      };
      if (opts.mixup !== undefined && opts.distillSet !== undefined)
        throw new UserError("--mixup and --distill-set both set the soft targets: use one of them");
      const taught = opts.teacher !== undefined || opts.teacherSeeds !== undefined;
      if (taught && (opts.mixup !== undefined || opts.distillSet !== undefined))
        throw new UserError(
          `${opts.teacher !== undefined ? "--teacher" : "--teacher-seeds"} and --mixup / --distill-set all set the soft targets: use one of them`,
        );
      checkResumable(options);
      const steps = kws12Steps(options);
      const done = await runPipeline(steps, (l) => process.stderr.write(`${l}\n`));
      const { frrAtFaPerHour } = await import("../../stream/match");
      const evalR = readReport<{
        accuracy: number;
        n: number;
        bySpeaker?: import("../../eval/speaker-interval").SpeakerInterval;
      }>(join(out, "reports", "eval-test.json"));
      type Point = import("../../stream/match").OperatingPoint;
      const det = readReport<{ points: Point[]; modelDefault: Point; durationMs: number }>(
        join(out, "reports", "det.json"),
      );
      const file = join(out, modelFileName(options));
      const { modelCard, readCardReports } = await import("../../pipeline/card");
      const { writeFileSync } = await import("node:fs");
      const card = modelCard(
        modelFileName(options),
        options,
        readCardReports(join(out, "reports")),
      );
      writeFileSync(join(out, "card.md"), card);
      emit(
        opts,
        {
          recipe: name,
          variant: opts.variant,
          network: trainedModel(options),
          model: file,
          heldOutAccuracy: evalR?.accuracy ?? null,
          heldOutClips: evalR?.n ?? null,
          heldOutBySpeaker: evalR?.bySpeaker ?? null,
          testStream: det && {
            minutes: det.durationMs / 60000,
            calibrated: det.modelDefault,
            frrAt05FaPerHour: frrAtFaPerHour(det.points, 0.5),
            frrAt1FaPerHour: frrAtFaPerHour(det.points, 1),
          },
          steps: done,
        },
        (r) => {
          const pct = (x: number | null | undefined) =>
            x === null || x === undefined ? "-" : `${(x * 100).toFixed(1)}%`;
          const lines = [
            `${r.model}: ${pct(r.heldOutAccuracy)} on ${r.heldOutClips ?? "?"} clips of held-out real speakers${r.heldOutBySpeaker ? ` (95% interval when their ${r.heldOutBySpeaker.speakers} speakers are resampled: ${pct(r.heldOutBySpeaker.ci95[0])}-${pct(r.heldOutBySpeaker.ci95[1])})` : ""}`,
          ];
          if (r.testStream)
            lines.push(
              `test stream (${r.testStream.minutes.toFixed(0)} min): at the calibrated threshold ${r.testStream.calibrated.threshold.toFixed(3)} FRR ${pct(r.testStream.calibrated.frr)}, ${r.testStream.calibrated.fa_per_hour.toFixed(1)} false accepts/h; FRR ${pct(r.testStream.frrAt05FaPerHour)} at <= 0.5 FA/h, ${pct(r.testStream.frrAt1FaPerHour)} at <= 1 FA/h`,
            );
          return lines.join("\n");
        },
      );
    });
}

/** --model: the networks the recipe's 8-bit steps take (other zoo models need other settings). */
function kws12Model(v: string): Kws12Model {
  if (!(KWS12_MODELS as readonly string[]).includes(v))
    throw new UserError(
      `--model must be one of ${KWS12_MODELS.join(", ")}: the networks the kws12 recipe trains and exports (got '${v}')`,
    );
  return v as Kws12Model;
}
