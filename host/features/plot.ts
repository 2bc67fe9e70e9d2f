/**
 * Writes the seed 003 front-end figures for one clip as SVG and PNG: waveform, spectrum,
 * spectrogram, mel spectrogram and MFCC (or LFBE). Vega-Lite -> Vega renders SVG headless;
 * resvg rasterizes it.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import type { TopLevelSpec } from "vega-lite";
import * as vl from "vega-lite";
import type { FrontEndConfig } from "../../shared/features";
import { analyzeClip } from "./analyze";
import { heatmapSpec, quantile, spectrumSpec, waveformSpec } from "./plot-specs";

/** Renders a Vega-Lite spec to SVG text. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterizes SVG text to PNG bytes on a white background, at `scale` times its size. */
export function svgToPng(svg: string, scale = 2): Buffer {
  const r = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  });
  return Buffer.from(r.render().asPng());
}

export interface WrittenPlot {
  name: string;
  svg: string;
  png: string;
}

/**
 * Writes `<dir>/<name>.svg` and `.png` for each figure of `samples` under `cfg`; returns the
 * paths. `label` names the clip in the titles.
 */
export async function writeFeaturePlots(
  samples: ArrayLike<number>,
  cfg: FrontEndConfig,
  dir: string,
  label: string,
): Promise<WrittenPlot[]> {
  const a = analyzeClip(samples, cfg);
  const hop = cfg.hopMs / 1000;
  const kindTitle = cfg.kind === "mfcc" ? "MFCC" : "LFBE";
  // c0 (overall log energy) dwarfs the other MFCCs: clip colours to the 2nd-98th percentile of
  // c1.. so their structure shows; c0 saturates.
  const rest = a.features.map((row) => (cfg.kind === "mfcc" ? row.slice(1) : row));
  const featDomain: [number, number] = [quantile(rest, 0.02), quantile(rest, 0.98)];
  const specs: [string, TopLevelSpec][] = [
    ["waveform", waveformSpec(samples, cfg.sampleRate, `Waveform: ${label}`)],
    ["spectrum", spectrumSpec(a.binHz, a.meanSpectrumDb, `Spectrum (mean over frames): ${label}`)],
    [
      "spectrogram",
      heatmapSpec(
        a.spectrogramDb,
        {
          frameSeconds: hop,
          y0: 0,
          yStep: cfg.sampleRate / cfg.fftSize,
          yTitle: "frequency (Hz)",
          colorTitle: "power (dB)",
          scheme: "magma",
        },
        `Spectrogram (${cfg.windowMs} ms Hann, ${cfg.fftSize}-point FFT): ${label}`,
      ),
    ],
    [
      "mel-spectrogram",
      heatmapSpec(
        a.melLog,
        {
          frameSeconds: hop,
          y0: 0,
          yStep: 1,
          yTitle: "mel filter",
          colorTitle: "ln energy",
          scheme: "viridis",
        },
        `Mel spectrogram (${cfg.nMels} filters, ${cfg.fMin}-${cfg.fMax} Hz): ${label}`,
      ),
    ],
    [
      cfg.kind,
      heatmapSpec(
        a.features,
        {
          frameSeconds: hop,
          y0: 0,
          yStep: 1,
          yTitle: cfg.kind === "mfcc" ? "coefficient" : "mel filter",
          colorTitle: kindTitle,
          scheme: "plasma",
          domain: cfg.kind === "mfcc" ? featDomain : undefined,
        },
        `${kindTitle} (${a.frames} x ${a.features[0]?.length ?? 0}` +
          `${cfg.kind === "mfcc" ? ", colours clipped to c1.. 2-98%" : ""}): ${label}`,
      ),
    ],
  ];
  mkdirSync(dir, { recursive: true });
  const written: WrittenPlot[] = [];
  for (const [name, spec] of specs) {
    const svg = await renderSvg(spec);
    const svgPath = path.join(dir, `${name}.svg`);
    const pngPath = path.join(dir, `${name}.png`);
    writeFileSync(svgPath, svg);
    writeFileSync(pngPath, svgToPng(svg));
    written.push({ name, svg: svgPath, png: pngPath });
  }
  return written;
}
