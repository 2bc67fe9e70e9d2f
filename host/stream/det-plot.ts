/**
 * The DET view of seed 002: false rejection rate against false accepts per hour, one point per
 * threshold, drawn with vega-lite as the project's other figures are. The model's own default
 * threshold is marked.
 */
import type { TopLevelSpec } from "vega-lite";
import type { OperatingPoint } from "./match";

export function detSpec(
  title: string,
  points: OperatingPoint[],
  marked: OperatingPoint | null,
): TopLevelSpec {
  const rows = points.map((p) => ({
    threshold: p.threshold,
    fa: p.fa_per_hour,
    frr: p.frr * 100,
  }));
  const mark = marked
    ? [{ threshold: marked.threshold, fa: marked.fa_per_hour, frr: marked.frr * 100 }]
    : [];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    width: 420,
    height: 300,
    layer: [
      {
        data: { values: rows },
        mark: { type: "line", point: true, interpolate: "step-after" },
        encoding: {
          x: { field: "fa", type: "quantitative", title: "false accepts per hour" },
          y: {
            field: "frr",
            type: "quantitative",
            title: "false rejection rate (%)",
            scale: { domain: [0, 100] },
          },
          order: { field: "threshold", type: "quantitative" },
          tooltip: [{ field: "threshold" }, { field: "fa" }, { field: "frr" }],
        },
      },
      {
        data: { values: mark },
        mark: { type: "point", shape: "diamond", size: 120, color: "firebrick", filled: true },
        encoding: {
          x: { field: "fa", type: "quantitative" },
          y: { field: "frr", type: "quantitative" },
        },
      },
    ],
  } as TopLevelSpec;
}
