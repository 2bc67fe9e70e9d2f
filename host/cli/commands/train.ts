import { resolve } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { VTLP_DOMAINS, type VtlpDomain } from "../../data/augment";
import { SPLIT_MODES } from "../../data/dataset";
import { MAX_AUGMENTED_COPIES } from "../../train/augmented-copies";
import {
  jsonObjectArg,
  numberIn,
  oneOf,
  positiveInt,
  positiveNumber,
  rangeArg,
  repeated,
  vtlpArg,
} from "../args";
import { UserError } from "../errors";

function fraction(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new UserError(`--augment-fraction must be a number from 0 to 1 (got '${v}')`);
  return n;
}

export function register(program: Command): void {
  program
    .command("train")
    .description("Train a keyword-spotting model (resumes when --out holds an unfinished run)")
    .requiredOption("--data <dir>", "dataset folder (Speech Commands layout)")
    .option(
      "--model <name>",
      "model zoo name, e.g. res8-narrow (required unless --recipe names one)",
    )
    .requiredOption("--out <dir>", "output folder (checkpoints best/ and last/, train.jsonl)")
    .option(
      "--recipe <name>",
      "named recipe (model, data split, augmentation, budget) that flags and --config override: kws12",
    )
    .option("--config <file>", "JSON file with TrainConfig fields (flags override it)")
    .option(
      "--model-config <json>",
      `the model's hyperparameters as a JSON object, over the recipe's and --config's, e.g. '{"filters":32,"stemFilters":19}' for res8-bin`,
    )
    .option("--epochs <n>", "epochs (default 30)", positiveInt("--epochs"))
    .option(
      "--steps-per-epoch <n>",
      "steps per epoch (default 600)",
      positiveInt("--steps-per-epoch"),
    )
    .option("--batch <n>", "batch size (default 64)", positiveInt("--batch"))
    .option(
      "--lr <x>",
      "initial learning rate (default 1e-3; 1e-2 for binary nets)",
      positiveNumber("--lr"),
    )
    .option(
      "--lr-end <x>",
      "final learning rate of the polynomial decay (default 1e-5)",
      positiveNumber("--lr-end"),
    )
    .option("--seed <n>", "seed for initialization, batches and augmentation (default 0)", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n)) throw new UserError(`--seed must be an integer (got '${v}')`);
      return n;
    })
    .option("--keywords <list>", "comma-separated keywords (default: the standard ten)")
    .option(
      "--split <mode>",
      `subset assignment: ${SPLIT_MODES.join(", ")}`,
      oneOf("--split", SPLIT_MODES),
    )
    .option("--noise <dir>", "background noise folder (default <data>/_background_noise_)")
    .option("--front-end <preset>", "front-end preset (default MFCC_30_10_40, 98x40)")
    .option(
      "--augment-fraction <f>",
      "share of each batch augmented in the audio domain (default 0.25)",
      fraction,
    )
    .option(
      "--augment-copies <k>",
      "augmented copies per example, each made once and kept in the feature cache (0: a fresh augmentation every draw, the default)",
      numberIn("--augment-copies", 0, MAX_AUGMENTED_COPIES, true),
    )
    .option("--no-augment", "no augmentation at all")
    .option(
      "--mix <dir:share>",
      "mix another dataset (all its subsets) into every batch at this share, e.g. corpus:0.3; repeatable",
      repeated,
    )
    .option(
      "--unknown-boost <share>",
      "an extra share of every batch drawn from the training set's _unknown_ clips (other words), e.g. 0.1: stream false accepts are mostly other words",
      numberIn("--unknown-boost", 0, 0.5),
    )
    .option(
      "--field-windows <dir:share>",
      "mix feature windows from the field (`earshot field export`: hard negatives and missed keywords) into every batch at this share, e.g. field:0.1",
    )
    .option(
      "--distill <probs.json>",
      "distil a teacher: soft-label cache from `earshot teacher probs` (repeatable, e.g. one per mixed dataset)",
      repeated,
    )
    .option(
      "--distill-weight <w>",
      "weight of the soft-target loss (default 0.5)",
      numberIn("--distill-weight", 0, 1),
    )
    .option(
      "--distill-set <dir:share>",
      "mix a distillation set (`earshot teacher distill-set`: augmented clips, cross-fitted teacher soft labels) into every batch at this share, e.g. dset:0.3; its rows' loss uses --distill-weight",
    )
    .option(
      "--teacher <model.esm>",
      "online teacher: an exported model (e.g. models/kws12-int8.esm) scores every augmented training row and its probabilities are the soft targets (same classes, window and front end; not with --distill, --distill-set or --mixup); repeat it for an ensemble of teachers, whose mean probabilities are the targets",
      repeated,
    )
    .option(
      "--teacher-weight <w>",
      "weight of the teacher's soft-target loss, the hard loss keeping the rest (default 0.5)",
      numberIn("--teacher-weight", 0, 1),
    )
    .option(
      "--teacher-temperature <t>",
      "temperature of the teacher's probabilities and the student's soft term (default 2)",
      numberIn("--teacher-temperature", 0.1, 20),
    )
    .option(
      "--snr-db <lo,hi>",
      "SNR range of the background noise mixed into augmented clips, dB (kws12: 0,20)",
      rangeArg("--snr-db", "in dB"),
    )
    .option(
      "--vtlp <lo,hi>",
      "vocal tract length perturbation of augmented clips: spectrum warp factor range, e.g. 0.9,1.1 ('off': none)",
      vtlpArg,
    )
    .option(
      "--vtlp-domain <d>",
      "where the vocal tract warp is applied: audio (resynthesised spectrum) or filterbank (warped mel filters: half the CPU per augmented clip, but 7.6 points lower on held-out speakers in the int8 recipe)",
      oneOf("--vtlp-domain", VTLP_DOMAINS),
    )
    .option(
      "--eq <db>",
      "random equaliser on augmented clips (half of them): 1-3 peaking bands up to +-DB, band-stops (0: none)",
      numberIn("--eq", 0, 24),
    )
    .option(
      "--babble <p>",
      "chance an augmented clip gets 1-3 other talkers (non-keyword training clips) at 5..20 dB SNR (0: none)",
      numberIn("--babble", 0, 1),
    )
    .option(
      "--label-smoothing <e>",
      "label smoothing of the hard targets (0: none)",
      numberIn("--label-smoothing", 0, 0.5),
    )
    .option(
      "--mixup <alpha>",
      "mixup: every example mixed with another of its batch, lam ~ Beta(alpha, alpha), targets mixed alike (e.g. 0.2; not with distillation)",
      numberIn("--mixup", 0.01, 10),
    )
    .option(
      "--weight-average <decay>",
      "keep a moving average of the weights with this decay per step (e.g. 0.999); validation, the best checkpoint and export use it",
      numberIn("--weight-average", 0.5, 0.99999),
    )
    .option("--spec-augment", "SpecAugment masks on every training example (2 time, 2 frequency)")
    .option("--no-spec-augment", "no SpecAugment (when a recipe or --config turns it on)")
    .option(
      "--prefetch <n>",
      "worker threads making batches ahead of the step: a number (0: none) or auto: one per core, less one when the native addon augments (kws12's default); same results for any",
      (v: string): number | "auto" => (v === "auto" ? v : numberIn("--prefetch", 0, 16, true)(v)),
    )
    .option(
      "--replicas <n>",
      "data-parallel model replicas per step, in threads (1: one process; same results to float rounding)",
      numberIn("--replicas", 1, 16, true),
    )
    .option("--cache <dir>", "feature cache folder (default ~/.cache/earshot/features)")
    .option("--no-cache", "do not cache features on disk")
    .option(
      "--precision <p>",
      "float | int8 | int5 | int4 | binary (QAT / seed-002 two-stage / binary; issue 4)",
    )
    .option(
      "--int8-layers <names>",
      "binary nets: comma-separated layers kept at int8 besides the first and last, e.g. down0 (res8-bin's downsampling conv)",
    )
    .option("--from <dir>", "start from this checkpoint's weights (e.g. a float run's best/)")
    .option("--json", "print the result as JSON")
    .action(async (opts) => {
      const { readFileSync } = await import("node:fs");
      const { resolveTrainConfig, train } = await import("../../train/loop");
      const { TF_AUGMENT } = await import("../../data/augment");
      const { progress } = await import("../progress");
      const { emit } = await import("../output");
      let fileConfig: Record<string, unknown> = {};
      if (opts.config) {
        try {
          fileConfig = JSON.parse(readFileSync(opts.config, "utf8"));
        } catch (err) {
          throw new UserError(`--config ${opts.config}: ${(err as Error).message}`);
        }
        if (!fileConfig || typeof fileConfig !== "object" || Array.isArray(fileConfig))
          throw new UserError(`--config ${opts.config}: expected a JSON object`);
      }
      const { RECIPES, recipeNames } = await import("../../train/recipes");
      const { KWS_SPEC_AUGMENT } = await import("../../train/spec-augment");
      const recipe = opts.recipe === undefined ? {} : RECIPES[opts.recipe]?.config;
      if (!recipe)
        throw new UserError(`unknown recipe '${opts.recipe}' (known: ${recipeNames().join(", ")})`);
      const base = { ...recipe, ...fileConfig } as Partial<
        Parameters<typeof resolveTrainConfig>[0]
      >;
      const model = opts.model ?? base.model;
      if (!model) throw new UserError("--model is required (or a --recipe that names one)");
      const modelConfig = {
        ...(base.modelConfig ?? {}),
        ...jsonObjectArg("--model-config", opts.modelConfig),
      };
      const { checkModelConfig, isModelName } = await import("../../models");
      if (isModelName(model)) checkModelConfig(model, modelConfig);
      const mix = opts.mix?.map((m) => {
        const at = m.lastIndexOf(":");
        const share = Number(m.slice(at + 1));
        if (at <= 0 || !(share > 0 && share < 1))
          throw new UserError(`--mix expects DIR:SHARE with SHARE in (0, 1) (got '${m}')`);
        return { data: m.slice(0, at), share };
      });
      let fieldWindows: { dir: string; share: number } | undefined;
      if (opts.fieldWindows) {
        const at = opts.fieldWindows.lastIndexOf(":");
        const share = Number(opts.fieldWindows.slice(at + 1));
        if (at <= 0 || !(share > 0 && share < 1))
          throw new UserError(
            `--field-windows expects DIR:SHARE with SHARE in (0, 1) (got '${opts.fieldWindows}')`,
          );
        fieldWindows = { dir: opts.fieldWindows.slice(0, at), share };
      }
      let distillSet: { dir: string; share: number; weight: number } | undefined;
      if (opts.distillSet) {
        const at = opts.distillSet.lastIndexOf(":");
        const share = Number(opts.distillSet.slice(at + 1));
        if (at <= 0 || !(share > 0 && share < 1))
          throw new UserError(
            `--distill-set expects DIR:SHARE with SHARE in (0, 1) (got '${opts.distillSet}')`,
          );
        distillSet = {
          dir: opts.distillSet.slice(0, at),
          share,
          weight: opts.distillWeight ?? 0.5,
        };
      }
      const snrDb = opts.snrDb;
      const augmentBase =
        base.augment === undefined ? { fraction: 0.25, config: TF_AUGMENT } : base.augment;
      const extra = speakerAugmentFlags(opts);
      const config = resolveTrainConfig({
        ...base,
        data: opts.data,
        model,
        modelConfig,
        out: opts.out,
        ...(mix !== undefined && { mix }),
        ...(fieldWindows !== undefined && { fieldWindows }),
        ...(opts.unknownBoost !== undefined && { unknownBoost: opts.unknownBoost }),
        ...(distillSet !== undefined && { distillSet }),
        ...(opts.specAugment !== undefined && {
          specAugment: opts.specAugment ? KWS_SPEC_AUGMENT : null,
        }),
        ...(opts.prefetch !== undefined && { prefetchWorkers: opts.prefetch }),
        ...(opts.replicas !== undefined && { replicas: opts.replicas }),
        ...(opts.distill !== undefined && {
          distill: { probs: opts.distill, weight: opts.distillWeight ?? 0.5 },
        }),
        ...(opts.teacher !== undefined && {
          teacher: {
            models: opts.teacher.map((m) => resolve(m)),
            weight: opts.teacherWeight ?? 0.5,
            temperature: opts.teacherTemperature ?? 2,
          },
        }),
        ...(opts.epochs !== undefined && { epochs: opts.epochs }),
        ...(opts.labelSmoothing !== undefined && { labelSmoothing: opts.labelSmoothing }),
        ...(opts.mixup !== undefined && { mixup: opts.mixup }),
        ...(opts.weightAverage !== undefined && { weightAverage: opts.weightAverage }),
        ...(opts.stepsPerEpoch !== undefined && { stepsPerEpoch: opts.stepsPerEpoch }),
        ...(opts.batch !== undefined && { batchSize: opts.batch }),
        ...(opts.seed !== undefined && { seed: opts.seed }),
        ...(opts.keywords !== undefined && {
          keywords: opts.keywords.split(",").map((k) => k.trim()),
        }),
        ...(opts.split !== undefined && { splitMode: opts.split }),
        ...(opts.noise !== undefined && { noiseDir: opts.noise }),
        ...(opts.frontEnd !== undefined && { frontEnd: opts.frontEnd }),
        ...(opts.precision !== undefined && { precision: precisionOf(opts.precision) }),
        ...(opts.from !== undefined && { from: opts.from }),
        ...(opts.int8Layers !== undefined && {
          int8Layers: opts.int8Layers.split(",").map((n) => n.trim()),
        }),
        ...(opts.cache === false
          ? { cacheDir: null }
          : typeof opts.cache === "string"
            ? { cacheDir: opts.cache }
            : {}),
        lr: {
          ...(base.lr ?? {}),
          ...(opts.lr !== undefined && { start: opts.lr }),
          ...(opts.lrEnd !== undefined && { end: opts.lrEnd }),
        } as never,
        augment:
          opts.augment === false
            ? null
            : augmentBase && {
                ...augmentBase,
                ...(opts.augmentFraction !== undefined && { fraction: opts.augmentFraction }),
                ...(opts.augmentCopies !== undefined && { copies: opts.augmentCopies }),
                config: {
                  ...augmentBase.config,
                  ...(snrDb !== undefined && {
                    noise: { probability: 0.8, ...augmentBase.config.noise, snrDb },
                  }),
                  ...extra,
                },
              },
      });
      if ((config.replicas ?? 1) > 1 && ((config.precision ?? "float") !== "float" || config.from))
        throw new UserError(
          "--replicas > 1 trains float models only (not with --precision or --from)",
        );
      const int8Layers = config.int8Layers;
      if (int8Layers && config.precision !== "binary")
        throw new UserError("--int8-layers applies to --precision binary only");
      const say = (line: string) => process.stderr.write(`${line}\n`);
      let bar: ReturnType<typeof progress> | null = null;
      const compressed = (config.precision && config.precision !== "float") || config.from;
      const { precisionHook } = await import("../../compress/train-hook");
      const result = await train(config, {
        model: compressed
          ? precisionHook({
              precision: precisionOf(config.precision ?? "float"),
              from: config.from,
              ...(int8Layers && { options: { int8Layers } }),
            })
          : undefined,
        info: say,
        onStart: (total, done) => {
          bar = progress("train", total, {
            json: opts.json,
            fields: "loss {loss} acc {acc} lr {lr}",
          });
          bar.tick(done, { loss: "-", acc: "-", lr: "-" });
        },
        onStep: (s) =>
          bar?.tick(1, {
            loss: s.loss.toFixed(3),
            acc: s.accuracy.toFixed(2),
            lr: s.lr.toExponential(1),
          }),
        onEpoch: (e) => {
          const val = e.valAccuracy === null ? "" : ` val acc ${(e.valAccuracy * 100).toFixed(2)}%`;
          say(
            `\nepoch ${e.epoch}/${e.epochs}: loss ${e.trainLoss.toFixed(3)} acc ${(e.trainAccuracy * 100).toFixed(1)}%${val}${e.best ? " (best)" : ""} ${(e.ms / 1000).toFixed(1)} s`,
          );
        },
      });
      (bar as ReturnType<typeof progress> | null)?.stop();
      emit(
        opts,
        {
          backend: result.backend.name,
          best: result.bestDir,
          last: result.lastDir,
          bestValAccuracy: result.bestValAccuracy,
          labels: result.labels,
          epochs: result.epochs,
        },
        (r) =>
          `backend ${r.backend}; best checkpoint ${r.best}` +
          (r.bestValAccuracy === null
            ? ""
            : ` (validation accuracy ${(r.bestValAccuracy * 100).toFixed(2)}%)`),
      );
    });
}

const PRECISIONS = ["float", "int8", "int5", "int4", "binary"] as const;

function precisionOf(p: string): (typeof PRECISIONS)[number] {
  if (!(PRECISIONS as readonly string[]).includes(p))
    throw new UserError(`--precision must be one of ${PRECISIONS.join(", ")} (got '${p}')`);
  return p as (typeof PRECISIONS)[number];
}

/** The speaker-diversity augmentations set by --vtlp, --vtlp-domain, --eq and --babble (absent: as configured). */
function speakerAugmentFlags(opts: {
  vtlp?: [number, number] | null;
  vtlpDomain?: VtlpDomain;
  eq?: number;
  babble?: number;
}): Partial<import("../../data").AugmentConfig> {
  const out: Partial<import("../../data").AugmentConfig> = {};
  if (opts.vtlp !== undefined) out.vtlp = opts.vtlp;
  if (opts.vtlpDomain !== undefined) out.vtlpDomain = opts.vtlpDomain;
  if (opts.eq !== undefined)
    out.eq =
      opts.eq > 0 ? { probability: 0.5, bands: [1, 3], maxGainDb: opts.eq, bandStop: 0.2 } : null;
  if (opts.babble !== undefined)
    out.babble =
      opts.babble > 0 ? { probability: opts.babble, talkers: [1, 3], snrDb: [5, 20] } : null;
  return out;
}
