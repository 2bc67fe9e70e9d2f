import type { Command } from "@commander-js/extra-typings";
import { MAX_SMOOTHING } from "../../../device/runtime/detector";
import { SPLIT_MODES } from "../../data/dataset";
import type { FalseAcceptCauses } from "../../stream/false-accepts";
import { numberIn, oneOf, positiveInt, positiveNumber } from "../args";
import { UserError } from "../errors";
import { group } from "../group";
import { streamEngineOption, toleranceOption, truthOption } from "../stream-options";

/** "A,B" -> [A, B] with A <= B (dB). */
export function snrRange(v: string): [number, number] {
  const parts = v.split(",").map((s) => (s.trim() === "" ? Number.NaN : Number(s)));
  if (parts.length !== 2 || !parts.every(Number.isFinite) || parts[0] > parts[1])
    throw new UserError(`--snr-db must be LO,HI in dB with LO <= HI (got '${v}')`);
  return [parts[0], parts[1]];
}

export function register(program: Command): void {
  const stream = group(program, "stream", "long test streams: build one, score a model on it");
  stream
    .command("build")
    .description(
      "Long 16 kHz WAV of keywords and other speech from the test subset's speakers, planted into background noise at drawn SNRs, with a truth JSON beside it",
    )
    .requiredOption("--data <dir>", "dataset folder (full or test-set layout)")
    .requiredOption("--minutes <m>", "stream length in minutes", positiveNumber("--minutes"))
    .requiredOption("--out <file.wav>", "stream WAV; the truth goes to the same name .json")
    .option(
      "--seed <s>",
      "seed (same seed, same stream)",
      numberIn("--seed", 0, 2 ** 32 - 1, true),
      1,
    )
    .option(
      "--snr-db <lo,hi>",
      "SNR range of planted clips over the noise under them, dB (default -5,10)",
      snrRange,
    )
    .option(
      "--split <mode>",
      `subset assignment: ${SPLIT_MODES.join(", ")} (default auto); clips come from its test subset`,
      oneOf("--split", SPLIT_MODES),
    )
    .option(
      "--subset <name>",
      "held-out subset the clips come from: test (to report on) or validation (to calibrate on)",
      oneOf("--subset", ["test", "validation"] as const),
      "test",
    )
    .option("--noise <dir>", "background noise folder (default <data>/_background_noise_)")
    .option("--keywords <list>", "keywords, comma-separated (default the standard ten)")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      if (!opts.out.toLowerCase().endsWith(".wav"))
        throw new UserError(`--out must name a .wav file (got '${opts.out}')`);
      const { writeFileSync } = await import("node:fs");
      const { buildStream } = await import("../../stream/build");
      const { truthPathFor } = await import("../../stream/truth");
      const { encodeWav16 } = await import("../../data/wav/write");
      const { emit } = await import("../output");
      const built = await buildStream({
        data: opts.data,
        minutes: opts.minutes,
        seed: opts.seed,
        snrDb: opts.snrDb ?? [-5, 10],
        splitMode: opts.split,
        subset: opts.subset,
        noiseDir: opts.noise,
        keywords: opts.keywords
          ?.split(",")
          .map((k) => k.trim())
          .filter((k) => k.length > 0),
      });
      const truthPath = truthPathFor(opts.out);
      try {
        writeFileSync(opts.out, encodeWav16(built.samples, built.truth.sampleRate));
        writeFileSync(truthPath, `${JSON.stringify(built.truth, null, 1)}\n`);
      } catch (e) {
        throw new UserError(`--out ${opts.out}: ${(e as Error).message}`);
      }
      const t = built.truth;
      const keywords = t.planted.filter((p) => p.label.charAt(0) !== "_").length;
      const summary = {
        wav: opts.out,
        truth: truthPath,
        durationMs: t.durationMs,
        planted: t.planted.length,
        keywords,
        otherSpeech: t.planted.length - keywords,
        clips: t.clips.length,
        subset: opts.subset ?? "test",
        split: t.split,
      };
      emit(
        opts,
        summary,
        (s) =>
          `${s.wav}: ${(s.durationMs / 60000).toFixed(2)} min, ${s.keywords} keywords and ${s.otherSpeech} other words from ${s.clips} ${s.subset}-subset clips (${s.split} split); truth in ${s.truth}`,
      );
    });

  stream
    .command("eval")
    .description(
      "Run the device runtime over a built stream once and report FRR, false accepts per hour and FDR across thresholds (DET), against the stream's truth",
    )
    .requiredOption("--model <file>", "device model file")
    .requiredOption("--stream <file.wav>", "stream WAV (earshot stream build)")
    .addOption(truthOption())
    .addOption(streamEngineOption())
    .option(
      "--smoothing <n>",
      "moving-average window to replay (default the model's)",
      numberIn("--smoothing", 1, MAX_SMOOTHING, true),
    )
    .addOption(toleranceOption())
    .option("--points <n>", "at most this many thresholds", positiveInt("--points"), 200)
    .option("--plot <file.svg>", "write the DET plot (FRR vs false accepts per hour)")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const { recordStream, evaluateRecorded } = await import("../../stream/evaluate");
      const { emit, notice } = await import("../output");
      const { fastestHostEngine } = await import("../../../device/engines/host-engine");
      const engine = opts.engine ?? fastestHostEngine();
      const rec = await recordStream({
        model: opts.model,
        stream: opts.stream,
        truth: opts.truth,
        engine,
        onRun: () => notice(opts, `running the ${engine} device runtime over ${opts.stream}…`),
      });
      const report = evaluateRecorded(rec, {
        smoothingWindow: opts.smoothing,
        toleranceMs: opts.toleranceMs,
        maxPoints: opts.points,
      });
      if (opts.plot) {
        const { detSpec } = await import("../../stream/det-plot");
        const { renderSvg } = await import("../../features/plot");
        const { writeFileSync } = await import("node:fs");
        const svg = await renderSvg(
          detSpec(`DET: ${opts.model} on ${opts.stream}`, report.points, report.modelDefault),
        );
        try {
          writeFileSync(opts.plot, svg);
        } catch (e) {
          throw new UserError(`--plot ${opts.plot}: ${(e as Error).message}`);
        }
      }
      emit(opts, { ...report, plot: opts.plot ?? null }, (r) => {
        const p = r.modelDefault;
        const row = (x: typeof p) =>
          `${x.threshold.toFixed(4).padStart(8)}  ${(x.frr * 100).toFixed(1).padStart(6)}%  ${x.fa_per_hour.toFixed(2).padStart(8)}  ${(x.fdr * 100).toFixed(1).padStart(6)}%`;
        const shown = r.points.filter(
          (_, i) => i % Math.max(1, Math.ceil(r.points.length / 12)) === 0,
        );
        return [
          `${r.targets} planted keywords, ${r.otherPlanted} other clips, ${(r.durationMs / 60000).toFixed(2)} min, ${r.inferences} inferences${r.streamingMacsPerStride === null ? "" : ` streamed (${r.streamingMacsPerStride} MACs per stride)`} (smoothing ${r.settings.smoothingWindow}, suppression ${r.settings.suppressionMs} ms, tolerance ${r.toleranceMs} ms)`,
          "threshold      FRR   FA/hour      FDR",
          ...shown.map(row),
          `model default:\n${row(p)}`,
          `misses at the model default by SNR: ${r.by_snr.map((b) => `${b.snr_db} dB ${b.targets - b.hits}/${b.targets}`).join(", ")}`,
          falseAcceptLine(r.false_accepts),
          r.plot ? `DET plot: ${r.plot}` : "",
        ]
          .filter((l) => l.length > 0)
          .join("\n");
      });
    });
}

/** One line on what the model default's false accepts fired on. */
function falseAcceptLine(f: FalseAcceptCauses): string {
  if (f.total === 0) return "false accepts at the model default: none";
  const words = f.words.map((w) => `${w.word} ${w.n}`).join(", ");
  return `false accepts at the model default: ${f.total} (over other words ${f.other_speech}, over keywords ${f.keywords}, noise alone ${f.noise_only})${words ? `; under them: ${words}` : ""}`;
}
