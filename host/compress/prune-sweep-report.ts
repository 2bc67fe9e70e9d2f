/**
 * How a pruning sweep (prune-sweep.ts) is written down: a markdown table with notes, and a
 * vega-lite figure of accuracy vs nonzero parameters and vs executed MACs, one line per mode
 * (seed 003, Figs. 9, 10 and 13), solid after fine-tuning, dashed right after pruning.
 */
import type { TopLevelSpec } from "vega-lite";
import type { SweepReport, SweepRow } from "./prune-sweep";

const pct = (a: number) => `${(a * 100).toFixed(2)}%`;
const k = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : String(n);
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

export function sweepTable(r: SweepReport): string {
  const head = [
    "mode",
    "sparsity",
    "pruned acc",
    "fine-tuned acc",
    "exported int8 acc",
    "params",
    "nonzero params",
    "file",
    "gzip",
    "MACs",
    "nonzero MACs",
    "FLOPs",
    "arena peak",
    "ms/clip",
    "runtime vs baseline",
  ];
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const lines = [line(head), line(head.map(() => "---"))];
  for (const x of r.rows)
    lines.push(
      line([
        x.mode,
        String(x.sparsity),
        pct(x.accuracyPruned),
        pct(x.accuracyFinetuned),
        pct(x.accuracyExported),
        k(x.params),
        k(x.nonzeroParams),
        kib(x.fileBytes),
        kib(x.gzipBytes),
        k(x.macs),
        k(x.nonzeroMacs),
        k(x.flops),
        kib(x.arenaPeakBytes),
        x.msPerClip.toFixed(2),
        `${x.runtimeRatio.toFixed(3)}x`,
      ]),
    );
  return lines.join("\n");
}

/** The markdown report: what was run, the table, and how to read it. */
export function sweepMarkdown(r: SweepReport): string {
  return [
    `# Pruning sweep: ${r.model}`,
    "",
    `Data ${r.data} (split ${r.split}): fine-tuned on ${r.trainExamples} training clips for ` +
      `${r.finetuneEpochs} epoch(s) at lr ${r.lr}, scored on ${r.testExamples} test clips. ` +
      `The checkpoint as given scores ${pct(r.accuracyBefore)} (tfjs); the baseline row is the ` +
      "same model fine-tuned with the same budget, unpruned.",
    "",
    sweepTable(r),
    "",
    "- sparsity: share of kernel weights zeroed per layer (unstructured, frozen masks) or of " +
      "output channels removed per prunable conv (structured: convs whose channels feed no " +
      "residual add; the next layer loses the matching inputs).",
    "- accuracies: tfjs right after pruning, after fine-tuning, and the exported int8 file run " +
      "by the host integer evaluator (what a device computes).",
    "- params / file / MACs / FLOPs / arena peak: the exported file (`earshot inspect`). " +
      "Unstructured zeros are stored densely, so they shrink neither the file nor the MACs the " +
      "dense kernels execute; gzip shows what a compressed store would gain, and nonzero MACs " +
      "(dense MACs x each layer's nonzero-weight share) what a sparse kernel could skip.",
    `- runtime: ms per clip in the ${r.timing.evaluator}, ${r.timing.clips} clips x ` +
      `${r.timing.rounds} rounds, models interleaved clip by clip; the ratio is the median ` +
      "over rounds of the model's time over the baseline's in the same round.",
    "",
  ].join("\n");
}

const PRUNED = "after pruning (tfjs)";
const TUNED = "fine-tuned, int8 file";

/** Points of the figure: each mode's line starts at the baseline. */
function points(rows: SweepRow[]) {
  const base = rows.find((x) => x.mode === "baseline");
  const modes = [...new Set(rows.map((x) => x.mode).filter((m) => m !== "baseline"))];
  const out: Record<string, number | string>[] = [];
  for (const mode of modes) {
    for (const x of [...(base ? [base] : []), ...rows.filter((y) => y.mode === mode)]) {
      for (const [stage, acc] of [
        [PRUNED, x.accuracyPruned],
        [TUNED, x.accuracyExported],
      ] as const)
        out.push({
          mode,
          stage,
          series: `${mode}, ${stage}`,
          sparsity: x.sparsity,
          params: x.nonzeroParams,
          macs: x.macs,
          accuracy: acc * 100,
        });
    }
  }
  return out;
}

export function sweepSpec(r: SweepReport): TopLevelSpec {
  const panel = (field: string, title: string) => ({
    width: 320,
    height: 240,
    mark: { type: "line", point: true },
    encoding: {
      x: { field, type: "quantitative", title, scale: { zero: false } },
      y: {
        field: "accuracy",
        type: "quantitative",
        title: "test accuracy (%)",
        scale: { domain: [0, 100] },
      },
      color: { field: "mode", type: "nominal" },
      strokeDash: {
        field: "stage",
        type: "nominal",
        scale: {
          domain: [TUNED, PRUNED],
          range: [
            [1, 0],
            [4, 3],
          ],
        },
        legend: { labelLimit: 200 },
      },
      detail: { field: "series", type: "nominal" },
      order: { field: "sparsity", type: "quantitative" },
    },
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: `L1 pruning, ${r.finetuneEpochs} fine-tuning epoch(s)`,
    data: { values: points(r.rows) },
    hconcat: [
      panel("params", "nonzero parameters (exported file)"),
      panel("macs", "MACs executed (dense kernels)"),
    ],
  } as TopLevelSpec;
}
