import type { Command } from "@commander-js/extra-typings";
import { numberIn, positiveInt } from "../args";
import { UserError } from "../errors";
import { group } from "../group";

export function register(program: Command): void {
  group(program, "keywords", "custom keywords")
    .command("add")
    .description(
      "A custom keyword in any language, end to end: synthetic corpus (every eSpeak NG voice of --lang), training, int8 export, threshold calibration; resumable",
    )
    .requiredOption("--word <word>", "the keyword as it is written (any script)")
    .requiredOption("--lang <tag>", "language of the voices: de, fr, es, ru, cmn, hi, ...")
    .option("--label <name>", "ASCII label in the model (default: the word, when it is a-z)")
    .option("--out <dir>", "working folder (default keywords/<label>-<lang>)")
    .option("--model <name>", "model zoo name", "res8-narrow")
    .option("--per-word <n>", "keyword clips", positiveInt("--per-word"), 300)
    .option("--unknown-per-word <n>", "clips per other word", positiveInt("--unknown-per-word"), 40)
    .option("--speakers <n>", "synthetic speakers", positiveInt("--speakers"), 200)
    .option("--epochs <n>", "training epochs", positiveInt("--epochs"), 20)
    .option("--steps-per-epoch <n>", "steps per epoch", positiveInt("--steps-per-epoch"), 100)
    .option("--seed <n>", "seed", numberIn("--seed", 0, 2 ** 31, true), 0)
    .option(
      "--stream-minutes <m>",
      "calibration stream length",
      numberIn("--stream-minutes", 0.2, 600),
      5,
    )
    .option(
      "--target-fa-per-hour <x>",
      "false accepts per hour the threshold is calibrated to",
      numberIn("--target-fa-per-hour", 0, 1000),
      1,
    )
    .option("--json", "print the summary as JSON")
    .action(async (opts) => {
      const { resolve } = await import("node:path");
      const { ASCII_LABEL, keywordFileName, keywordSteps } = await import("../../pipeline/keyword");
      const { isLanguageTag } = await import("../../data/synth/tts/languages");
      const { runPipeline } = await import("../../pipeline/run");
      const { emit } = await import("../output");
      const word = opts.word.trim().normalize("NFC").toLowerCase();
      if (!isLanguageTag(opts.lang))
        throw new UserError(
          `--lang must be a language tag such as de, fr-BE or cmn (got '${opts.lang}')`,
        );
      const label = opts.label ?? word;
      if (!ASCII_LABEL.test(label))
        throw new UserError(
          opts.label === undefined
            ? `'${word}' is not a-z: pass --label NAME (model labels are ASCII), e.g. --label ${opts.lang}-kw`
            : `--label must be lowercase a-z, 0-9, _ or - (got '${label}')`,
        );
      const out = resolve(opts.out ?? `keywords/${label}-${opts.lang}`);
      const options = {
        out,
        word,
        label,
        lang: opts.lang,
        model: opts.model,
        perWord: opts.perWord,
        unknownPerWord: opts.unknownPerWord,
        speakers: opts.speakers,
        epochs: opts.epochs,
        stepsPerEpoch: opts.stepsPerEpoch,
        seed: opts.seed,
        streamMinutes: opts.streamMinutes,
        targetFaPerHour: opts.targetFaPerHour,
      };
      const done = await runPipeline(keywordSteps(options), (l) => process.stderr.write(`${l}\n`));
      emit(
        opts,
        {
          model: resolve(out, keywordFileName(options)),
          word,
          label,
          lang: opts.lang,
          steps: done,
        },
        (r) => `${r.model}: keyword '${r.word}' (${r.lang}) as label '${r.label}', calibrated`,
      );
    });
}
