import type { Command } from "@commander-js/extra-typings";
import type { FrontEndOptions } from "../../features/options";
import { numberArg } from "../args";
import { emit } from "../output";

/** Front-end flags: a preset and per-field overrides. Numeric ones parse to numbers. */
const FLAGS: [flags: string, description: string, numeric: boolean][] = [
  [
    "--preset <name>",
    "MFCC_30_10_40 (default), MFCC_30_10_20, MFCC_30_10_10, LFBE_25_10_20",
    false,
  ],
  ["--kind <kind>", "mfcc or lfbe (lfbe alone selects LFBE_25_10_20)", false],
  ["--n-mfcc <n>", "MFCCs per frame", true],
  ["--window-ms <ms>", "analysis window", true],
  ["--hop-ms <ms>", "frame shift", true],
  ["--fft-size <n>", "FFT size (power of two >= window)", true],
  ["--n-mels <n>", "mel filters", true],
  ["--f-min <hz>", "lowest mel filter edge", true],
  ["--f-max <hz>", "highest mel filter edge", true],
  ["--log-floor <x>", "energy floor before the log", true],
];

function addFrontEndFlags(cmd: Command<[string]>): void {
  const c = cmd as unknown as {
    option(f: string, d: string, p?: (v: string) => number): unknown;
  };
  for (const [flags, description, numeric] of FLAGS) {
    if (numeric) c.option(flags, description, numberArg(flags.split(" ")[0]));
    else c.option(flags, description);
  }
}

interface FeaturesOpts extends FrontEndOptions {
  json?: boolean;
}

interface PlotOpts extends FeaturesOpts {
  out: string;
}

export function register(program: Command): void {
  const features = program
    .command("features")
    .description("Compute MFCC/LFBE features of a WAV (shared/features/README.md defines them)")
    .argument("<file>", "WAV file (converted to mono 16 kHz)")
    .option("--json", 'print {"frames","coeffs","config","data":[[...], ...]}');
  addFrontEndFlags(features);
  features.action(async (file, rawOpts) => {
    const opts = rawOpts as FeaturesOpts;
    const { readWav } = await import("../../data/wav/read");
    const { configFromOptions } = await import("../../features/options");
    const { extractFeatures } = await import("../../../shared/features");
    const cfg = configFromOptions(opts);
    const f = extractFeatures(readWav(file).samples, cfg);
    const data: number[][] = [];
    for (let t = 0; t < f.frames; t++) data.push(f.data.slice(t * f.coeffs, (t + 1) * f.coeffs));
    emit(opts, { frames: f.frames, coeffs: f.coeffs, config: cfg, data }, (v) => {
      const head =
        `${file}: ${v.frames} frames x ${v.coeffs} ${cfg.kind.toUpperCase()} ` +
        `(${cfg.windowMs}/${cfg.hopMs} ms, ${cfg.nMels} mels ${cfg.fMin}-${cfg.fMax} Hz, ` +
        `FFT ${cfg.fftSize})`;
      const show = Math.min(v.coeffs, 8);
      const rows = v.data.slice(0, 3).map((row) => {
        const cells = row.slice(0, show).map((x) => x.toFixed(3).padStart(9));
        return `  ${cells.join("")}${v.coeffs > show ? " ..." : ""}`;
      });
      const more = v.frames > 3 ? [`  ... ${v.frames - 3} more frames (--json prints all)`] : [];
      return [head, ...rows, ...more].join("\n");
    });
  });

  const plot = features
    .command("plot")
    .description("Write waveform, spectrum, spectrogram, mel spectrogram and MFCC plots (SVG+PNG)")
    .argument("<file>", "WAV file")
    .requiredOption("--out <dir>", "output folder")
    .option("--json", "print the written paths as JSON");
  addFrontEndFlags(plot);
  plot.action(async (file, rawOpts) => {
    // Without positional options on the root program, flags that `features` also defines
    // (--json, the front-end flags) may be parsed by `features`: merge both.
    const opts = { ...features.opts(), ...rawOpts } as PlotOpts;
    const path = await import("node:path");
    const { readWav } = await import("../../data/wav/read");
    const { configFromOptions } = await import("../../features/options");
    const { writeFeaturePlots } = await import("../../features/plot");
    const cfg = configFromOptions(opts);
    const samples = readWav(file).samples;
    const plots = await writeFeaturePlots(samples, cfg, opts.out, path.basename(file));
    emit(opts, { out: opts.out, plots }, (v) =>
      v.plots.map((p) => `${p.name}: ${p.svg} ${p.png}`).join("\n"),
    );
  });
}
