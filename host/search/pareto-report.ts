/**
 * `earshot pareto`: reads search folders, writes the fronts as a markdown table, JSON, and one
 * vega-lite figure per objective (SVG + PNG): every candidate, each family's front, the front
 * over all families, and on the size plot seed 000's published points as a labelled series.
 * Ensembles built from a search (`DIR/ensembles.jsonl`) are their own series ("binary
 * ensemble") with their own front, and take part in the front over everything: an ensemble is
 * a system of that size and accuracy.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import { renderSvg, svgToPng } from "../features/plot";
import { SearchError } from "./errors";
import {
  candidatePoints,
  ensemblePoints,
  type Fronts,
  fronts,
  OBJECTIVES,
  type Objective,
  type ParetoPoint,
  paretoFront,
  seriesOf,
} from "./pareto";
import { SEED000_POINTS } from "./seed000-points";
import {
  type CandidateRecord,
  ENSEMBLES_FILE,
  type EnsembleRecord,
  RESULTS_FILE,
  readRecords,
} from "./store";

const TITLES: Record<Objective, string> = {
  kib: "parameter KiB at the stored bit width",
  macs: "MACs per inference",
  device_instr_per_s: "device instructions per audio second (cost model)",
};

const folderOf = (d: string) => (existsSync(d) && statSync(d).isFile() ? join(d, "..") : d);

export function loadSearchRecords(dirs: string[]): CandidateRecord[] {
  const all: CandidateRecord[] = [];
  for (const d of dirs) {
    const dir = folderOf(d);
    if (!existsSync(join(dir, RESULTS_FILE)))
      throw new SearchError(`${d}: no ${RESULTS_FILE} (give a folder written by earshot search)`);
    all.push(...readRecords(dir));
  }
  return all;
}

/** The ensembles built from these searches (none when no folder has an ensembles.jsonl). */
export function loadEnsembleRecords(dirs: string[]): EnsembleRecord[] {
  return dirs.flatMap((d) => readRecords<EnsembleRecord>(folderOf(d), ENSEMBLES_FILE));
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const fmtCost = (o: Objective, v: number | null) =>
  v === null
    ? "-"
    : o === "kib"
      ? v.toFixed(2)
      : v >= 1e5
        ? `${(v / 1e6).toFixed(2)}M`
        : v.toFixed(0);

export function frontsTable(f: Fronts, points: number, ensembles: ParetoPoint[] = []): string {
  const lines = [
    `# Pareto fronts (${points} candidates${ensembles.length ? `, of which ${ensembles.length} ensembles` : ""})`,
    "",
  ];
  for (const o of OBJECTIVES) {
    lines.push(
      `## accuracy vs ${TITLES[o]}`,
      "",
      "| config | bits | accuracy | KiB | MACs | device instr/s |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const p of f.fronts[o])
      lines.push(
        `| ${p.config.key} | ${p.config.bits} | ${pct(p.accuracy)} | ${p.kib.toFixed(2)} | ${fmtCost("macs", p.macs)} | ${fmtCost("device_instr_per_s", p.device_instr_per_s)} |`,
      );
    if (f.fronts[o].length === 0) lines.push("| (no candidate has this cost) | | | | | |");
    lines.push("");
  }
  if (ensembles.length) {
    lines.push(
      "## ensembles (seed 000 §IV-C: equal-weight members, seeds 0..K-1 of one architecture)",
      "",
      "| ensemble | accuracy | members alone | KiB | MACs | device instr/s |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const p of ensembles)
      lines.push(
        `| ${p.config.key} | ${pct(p.accuracy)} | ${(p.config.member_accuracies as number[]).map(pct).join(", ")} | ${p.kib.toFixed(2)} | ${fmtCost("macs", p.macs)} | ${fmtCost("device_instr_per_s", p.device_instr_per_s)} |`,
      );
    lines.push("");
  }
  return lines.join("\n");
}

export function frontSpec(points: ParetoPoint[], o: Objective): TopLevelSpec {
  const cost = (p: ParetoPoint) => p[o];
  const families = [...new Set(points.map(seriesOf))];
  const row = (p: ParetoPoint, series: string) => ({
    series,
    family: seriesOf(p),
    cost: cost(p),
    accuracy: p.accuracy * 100,
    label: String(p.config.key),
  });
  const all = points.filter((p) => cost(p) !== null).map((p) => row(p, "candidate"));
  const perFamily = families.flatMap((fam) =>
    paretoFront(
      points.filter((p) => seriesOf(p) === fam),
      cost,
    ).map((p) => row(p, `front: ${fam}`)),
  );
  const overall = paretoFront(points, cost).map((p) => row(p, "front: all precisions"));
  const paper =
    o === "kib"
      ? SEED000_POINTS.map((p) => ({
          series: p.series,
          family: p.series,
          cost: p.kib,
          accuracy: p.accuracy,
          label: p.label,
        }))
      : [];
  const log = o !== "kib";
  const x = {
    field: "cost",
    type: "quantitative",
    title: TITLES[o],
    scale: log ? { type: "log" } : { zero: true },
  };
  const y = {
    field: "accuracy",
    type: "quantitative",
    title: "test accuracy (%)",
    scale: { domain: [0, 100] },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: `Accuracy vs ${TITLES[o]}`,
    width: 520,
    height: 340,
    layer: [
      {
        data: { values: all },
        mark: { type: "point", opacity: 0.45 },
        encoding: {
          x,
          y,
          color: { field: "family", type: "nominal", title: "family", legend: { labelLimit: 300 } },
        },
      },
      {
        data: { values: perFamily },
        mark: { type: "line", point: true, strokeDash: [4, 3] },
        encoding: {
          x,
          y,
          color: { field: "family", type: "nominal" },
          order: { field: "cost", type: "quantitative" },
        },
      },
      {
        data: { values: overall },
        mark: { type: "line", color: "black", strokeWidth: 2 },
        encoding: { x, y, order: { field: "cost", type: "quantitative" } },
      },
      ...(paper.length
        ? [
            {
              data: { values: paper },
              mark: { type: "point", shape: "diamond", filled: true, size: 80 },
              encoding: {
                x,
                y,
                color: {
                  field: "series",
                  type: "nominal",
                  title: "series",
                  legend: { labelLimit: 300 },
                },
              },
            },
            {
              data: { values: paper },
              mark: { type: "text", dx: 6, align: "left", fontSize: 9 },
              encoding: { x, y, text: { field: "label" } },
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}

export interface ParetoReport extends Fronts {
  /** The ensembles' points, every one (on a front or not). */
  ensembles: ParetoPoint[];
  points: number;
  table: string;
  plots: { objective: Objective; svg: string; png: string }[];
}

export async function writePareto(dirs: string[], out: string): Promise<ParetoReport> {
  const ensembles = ensemblePoints(loadEnsembleRecords(dirs));
  const points = [...candidatePoints(loadSearchRecords(dirs)), ...ensembles];
  if (points.length === 0) throw new SearchError(`${dirs.join(", ")}: no scored candidate yet`);
  const f = fronts(points);
  mkdirSync(out, { recursive: true });
  const table = join(out, "fronts.md");
  writeFileSync(table, `${frontsTable(f, points.length, ensembles)}\n`);
  writeFileSync(join(out, "fronts.json"), `${JSON.stringify(paretoJson(f, ensembles), null, 2)}\n`);
  const plots: ParetoReport["plots"] = [];
  for (const o of OBJECTIVES) {
    if (f.fronts[o].length === 0) continue;
    const svg = await renderSvg(frontSpec(points, o));
    const base = join(out, `pareto-${o.replaceAll("_", "-")}`);
    writeFileSync(`${base}.svg`, svg);
    writeFileSync(`${base}.png`, svgToPng(svg));
    plots.push({ objective: o, svg: `${base}.svg`, png: `${base}.png` });
  }
  return { ...f, ensembles, points: points.length, table, plots };
}

/** What `--json` prints and fronts.json holds: the fronts, and the ensembles when there are some. */
export function paretoJson(f: Fronts, ensembles: ParetoPoint[]) {
  return { fronts: f.fronts, ...(ensembles.length > 0 && { ensembles }) };
}
