import type { Command } from "@commander-js/extra-typings";
import { MAX_RATE_SCALE, MIN_RATE_SCALE } from "../../data/synth/speakers";
import { ENGINE_NAMES, type EngineName } from "../../data/synth/tts/engine";
import { isLanguageTag } from "../../data/synth/tts/languages";
import { positiveInt } from "../args";
import { UserError } from "../errors";
import { group } from "../group";

function seedInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new UserError(`--seed must be an integer from 0 to 4294967295 (got '${v}')`);
  return n;
}

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 1 || n > 600)
    throw new UserError(`--noise-seconds must be from 1 to 600 (got '${v}')`);
  return n;
}

function languageList(v: string): string[] {
  const tags = v.split(",").map((t) => t.trim());
  for (const t of tags)
    if (!isLanguageTag(t))
      throw new UserError(`--accents-from: '${t}' is not a language tag such as de, es or hi`);
  return tags;
}

function share(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1)
    throw new UserError(`--blend must be a share from 0 to 1 (got '${v}')`);
  return n;
}

function rateScale(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < MIN_RATE_SCALE || n > MAX_RATE_SCALE)
    throw new UserError(
      `--rate must be a number from ${MIN_RATE_SCALE} to ${MAX_RATE_SCALE} (got '${v}')`,
    );
  return n;
}

/** "a,b,c" -> words; "" or "none" -> no words. */
function wordList(v: string): string[] {
  if (v === "" || v === "none") return [];
  return v
    .split(",")
    .map((w) => w.trim().normalize("NFC").toLowerCase())
    .filter((w) => w.length > 0);
}

/** "auto" or a comma-separated list of engine names, each at most once. */
function engineChoice(v: string): "auto" | EngineName[] {
  if (v === "auto") return "auto";
  const names = v.split(",").map((n) => n.trim());
  for (const n of names)
    if (!(ENGINE_NAMES as readonly string[]).includes(n))
      throw new UserError(
        `--engines: '${n}' is not an engine (use auto or a comma-separated list of ${ENGINE_NAMES.join(", ")})`,
      );
  if (new Set(names).size !== names.length)
    throw new UserError(`--engines: an engine is named twice in '${v}'`);
  return names as EngineName[];
}

/** "dropped: 3 (silent 1, too-long 2)" when any take was unfit, else nothing. */
function droppedLines(d: Record<string, number>): string[] {
  const parts = Object.entries(d).filter(([, n]) => n > 0);
  if (parts.length === 0) return [];
  const total = parts.reduce((a, [, n]) => a + n, 0);
  return [
    `dropped as unfit: ${total} (${parts.map(([k, n]) => `${k} ${n}`).join(", ")}; listed in synth-manifest.json)`,
  ];
}

export function register(program: Command): void {
  group(program, "data", "data commands")
    .command("synth")
    .description(
      "Synthesize a Speech Commands-layout corpus with TTS: <word>/<speaker>_nohash_<n>.wav " +
        "(1 s, 16 kHz mono 16-bit) and _background_noise_/. Cached and resumable: rerunning " +
        "skips valid files.",
    )
    .requiredOption("--out <dir>", "output folder (created; must be empty or an earlier synth run)")
    .option(
      "--words <list>",
      "keyword folders, comma-separated (default: the standard ten); label=text says text into folder label (e.g. privet=привет)",
      wordList,
    )
    .option(
      "--unknown-words <list>",
      "non-keyword folders for _unknown_, comma-separated or 'none' (default: the 20 v0.01 auxiliary words)",
      wordList,
    )
    .option("--per-word <n>", "clips per keyword", positiveInt("--per-word"), 100)
    .option(
      "--unknown-per-word <n>",
      "clips per unknown word (default: --per-word)",
      positiveInt("--unknown-per-word"),
    )
    .option(
      "--speakers <n>",
      "speaker pool size (default: ~per-word / 1.5)",
      positiveInt("--speakers"),
    )
    .option(
      "--max-repeats <n>",
      "most takes one speaker gives of one word",
      positiveInt("--max-repeats"),
      3,
    )
    .option("--seed <n>", "seed: same seed and options give the same bytes", seedInt, 0)
    .option(
      "--engines <list>",
      "TTS engines: auto (flite, and espeak when installed), or a comma-separated list of flite, " +
        "espeak, gnuspeech. eSpeak NG (@echogarden/espeak-ng-emscripten) and GnuSpeech " +
        "(@echogarden/gnuspeech-wasm, English only, only when named) are optional GPL-3.0 packages",
      engineChoice,
      "auto",
    )
    .option(
      "--lang <tag>",
      "language of the voices: every eSpeak NG voice and variant of it (de, fr, es, ru, cmn, hi, ...; fr takes fr, fr-BE, fr-CH), plus Flite for en; words may be in any script (UTF-8)",
    )
    .option(
      "--accents-from <langs>",
      "also speak the words with every eSpeak NG voice of these languages, comma-separated (e.g. de,es,hi: each reads the words by its own language's rules, like a speaker of it)",
      languageList,
    )
    .option(
      "--blend <share>",
      "share (0..1) of eSpeak NG speakers whose voice is a blend of two of its presets, 20-80% of the way from one to the other (more distinct voices; 0: presets only)",
      share,
      0,
    )
    .option(
      "--rate <scale>",
      "speaking rate of every speaker, relative to the engines' own pace (below 1: slower; Speech Commands' isolated words run ~1.3x longer than the engines say them)",
      rateScale,
      1,
    )
    .option("--noise-seconds <s>", "length of each _background_noise_ file", seconds, 60)
    .option(
      "--jobs <n>",
      "worker threads rendering clips (same output; measured slower than 1 on a busy 2-core host)",
      positiveInt("--jobs"),
      1,
    )
    .option(
      "--force",
      "replace a corpus made with other options (or write into a non-empty folder)",
    )
    .option("--json", "print the summary as JSON")
    .action(async (opts) => {
      if (opts.lang !== undefined) {
        if (!isLanguageTag(opts.lang))
          throw new UserError(
            `--lang must be a language tag such as de, fr-BE or cmn (got '${opts.lang}')`,
          );
      }
      const { synthesizeCorpus } = await import("../../data/synth/corpus");
      const { progress } = await import("../progress");
      const { emit } = await import("../output");
      let bar: ReturnType<typeof progress> | null = null;
      const summary = await synthesizeCorpus(
        {
          out: opts.out,
          words: opts.words,
          unknownWords: opts.unknownWords,
          perWord: opts.perWord,
          unknownPerWord: opts.unknownPerWord,
          speakers: opts.speakers,
          maxRepeats: opts.maxRepeats,
          seed: opts.seed,
          engines: opts.engines,
          noiseSeconds: opts.noiseSeconds,
          lang: opts.lang,
          accentsFrom: opts.accentsFrom,
          blend: opts.blend,
          rate: opts.rate,
          force: opts.force,
          jobs: opts.jobs,
        },
        {
          onStart: (total) => {
            bar = progress("synth", total, { json: opts.json });
          },
          onFile: () => (bar as ReturnType<typeof progress> | null)?.tick(),
        },
      ).finally(() => (bar as ReturnType<typeof progress> | null)?.stop());
      emit(opts, summary, (s) =>
        [
          `corpus: ${s.out}`,
          `words: ${s.words}, speakers: ${s.speakers}, engines: ${s.engines.join(", ")}`,
          `clips: ${s.clips.total} (${s.clips.written} written, ${s.clips.cached} cached)`,
          ...droppedLines(s.clips.dropped),
          `background noise files: ${s.noise.total} (${s.noise.written} written, ${s.noise.cached} cached)`,
          `time: ${s.seconds.toFixed(1)} s, ${s.clipsPerSecond.toFixed(1)} clips/s`,
        ].join("\n"),
      );
    });
}
