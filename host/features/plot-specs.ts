/**
 * Vega-Lite specs for the front-end plots of seed 003 (figures 1-5): waveform, spectrum,
 * spectrogram, mel spectrogram and MFCC. Pure data -> spec; rendering is in ./plot.ts.
 */

import type { TopLevelSpec } from "vega-lite";

const WIDTH = 640;
const HEIGHT = 240;
/** Heatmaps are pooled down to at most this many cells per axis so SVGs stay small. */
const MAX_COLS = 300;
const MAX_ROWS = 128;

function base(title: string): Partial<TopLevelSpec> {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: WIDTH,
    height: HEIGHT,
    background: "white",
    config: { font: "sans-serif", view: { stroke: null } },
  };
}

/** Min/max envelope of the waveform in at most `columns` buckets, time in seconds. */
export function waveformSpec(
  samples: ArrayLike<number>,
  sampleRate: number,
  title: string,
  columns = 800,
): TopLevelSpec {
  const n = samples.length;
  const per = Math.max(1, Math.ceil(n / columns));
  const values: { t: number; lo: number; hi: number }[] = [];
  for (let s = 0; s < n; s += per) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = s; i < Math.min(n, s + per); i++) {
      lo = Math.min(lo, samples[i]);
      hi = Math.max(hi, samples[i]);
    }
    values.push({ t: s / sampleRate, lo, hi });
  }
  return {
    ...base(title),
    data: { values },
    mark: { type: "area", color: "#4c78a8", line: { color: "#2a4d73", strokeWidth: 0.5 } },
    encoding: {
      x: { field: "t", type: "quantitative", title: "time (s)" },
      y: { field: "hi", type: "quantitative", title: "amplitude" },
      y2: { field: "lo" },
    },
  } as TopLevelSpec;
}

/** Mean power spectrum in dB against frequency. */
export function spectrumSpec(hz: number[], db: number[], title: string): TopLevelSpec {
  return {
    ...base(title),
    data: { values: hz.map((f, k) => ({ f, db: db[k] })) },
    mark: { type: "line", color: "#4c78a8", strokeWidth: 1 },
    encoding: {
      x: { field: "f", type: "quantitative", title: "frequency (Hz)" },
      y: { field: "db", type: "quantitative", title: "mean power (dB)", scale: { zero: false } },
    },
  } as TopLevelSpec;
}

export interface HeatmapAxes {
  /** Seconds per input row (frame hop). */
  frameSeconds: number;
  /** Value of row 0 and step per row on the vertical axis (Hz per bin, or 1 per index). */
  y0: number;
  yStep: number;
  yTitle: string;
  colorTitle: string;
  scheme: string;
  /** Colour domain; values outside are clamped (default: the data's extent). */
  domain?: [number, number];
}

/** The q-th quantile (0..1) of all values of a matrix. */
export function quantile(m: number[][], q: number): number {
  const all = m.flat().sort((a, b) => a - b);
  if (all.length === 0) return 0;
  return all[Math.min(all.length - 1, Math.max(0, Math.round(q * (all.length - 1))))];
}

/** Means of blocks of `rows` x `cols` cells, so a long clip still gives a small heatmap. */
export function poolMatrix(
  m: number[][],
  maxT: number,
  maxF: number,
): { data: number[][]; tStep: number; fStep: number } {
  const frames = m.length;
  const bins = frames > 0 ? m[0].length : 0;
  const tStep = Math.max(1, Math.ceil(frames / maxT));
  const fStep = Math.max(1, Math.ceil(bins / maxF));
  const data: number[][] = [];
  for (let t = 0; t < frames; t += tStep) {
    const row: number[] = [];
    for (let f = 0; f < bins; f += fStep) {
      let sum = 0;
      let count = 0;
      for (let i = t; i < Math.min(frames, t + tStep); i++) {
        for (let j = f; j < Math.min(bins, f + fStep); j++) {
          sum += m[i][j];
          count++;
        }
      }
      row.push(sum / count);
    }
    data.push(row);
  }
  return { data, tStep, fStep };
}

/** A frames x rows matrix as a heatmap of rect marks: time across, rows up. */
export function heatmapSpec(matrix: number[][], axes: HeatmapAxes, title: string): TopLevelSpec {
  const { data, tStep, fStep } = poolMatrix(matrix, MAX_COLS, MAX_ROWS);
  const rows = data.length > 0 ? data[0].length : 0;
  const values: { t0: number; t1: number; y0: number; y1: number; v: number }[] = [];
  for (let t = 0; t < data.length; t++) {
    for (let f = 0; f < data[t].length; f++) {
      values.push({
        t0: t * tStep * axes.frameSeconds,
        // Cells overlap their neighbours by a third: no anti-aliasing seams between them.
        t1: (t + 1.33) * tStep * axes.frameSeconds,
        y0: axes.y0 + f * fStep * axes.yStep,
        y1: axes.y0 + (f + 1.33) * fStep * axes.yStep,
        v: data[t][f],
      });
    }
  }
  return {
    ...base(title),
    data: { values },
    mark: { type: "rect", strokeWidth: 0, clip: true },
    encoding: {
      x: {
        field: "t0",
        type: "quantitative",
        title: "time (s)",
        scale: { nice: false, domain: [0, data.length * tStep * axes.frameSeconds] },
      },
      x2: { field: "t1" },
      y: {
        field: "y0",
        type: "quantitative",
        title: axes.yTitle,
        scale: { nice: false, domain: [axes.y0, axes.y0 + rows * fStep * axes.yStep] },
      },
      y2: { field: "y1" },
      color: {
        field: "v",
        type: "quantitative",
        title: axes.colorTitle,
        scale: axes.domain
          ? { scheme: axes.scheme, domain: axes.domain, clamp: true }
          : { scheme: axes.scheme },
      },
    },
  } as TopLevelSpec;
}
