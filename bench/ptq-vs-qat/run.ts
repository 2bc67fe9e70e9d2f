/**
 * Seed 003: PTQ vs QAT at 2, 4, 6, 8 weight bits on TinyConv (yes/no + silence + unknown).
 * Trains the float model with the trainer, then quantizes it both ways; prints a table and
 * writes ptq-vs-qat.svg. Not a test: a budget-limited measurement.
 *
 *   npx tsx bench/ptq-vs-qat/run.ts [--data ../shared/speech/sc-v2-test] [--out /tmp/ptq-vs-qat]
 *     [--model tinyconv] [--epochs 4] [--steps 150] [--qat-epochs 2] [--exported]
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadModelDir } from "../../host/compress/checkpoint";
import { compareSpec, compareTable, ptqVsQat } from "../../host/compress/compare";
import { accuracy, loadFeatures } from "../../host/compress/data";
import { renderSvg } from "../../host/features/plot";
import { resolveTrainConfig, train } from "../../host/train/loop";

const { values: a } = parseArgs({
  options: {
    data: { type: "string", default: "../shared/speech/sc-v2-test" },
    out: { type: "string", default: "/tmp/earshot-ptq-vs-qat" },
    model: { type: "string", default: "tinyconv" },
    keywords: { type: "string", default: "yes,no" },
    epochs: { type: "string", default: "4" },
    steps: { type: "string", default: "150" },
    "qat-epochs": { type: "string", default: "2" },
    bits: { type: "string", default: "2,4,6,8" },
    exported: { type: "boolean", default: false },
  },
});

const t0 = performance.now();
const config = resolveTrainConfig({
  data: a.data as string,
  model: a.model as string,
  out: join(a.out as string, "float"),
  epochs: Number(a.epochs),
  stepsPerEpoch: Number(a.steps),
  keywords: (a.keywords as string).split(","),
  splitMode: "speaker",
});
const run = await train(config, { info: (l) => process.stderr.write(`${l}\n`) });
const { model, meta } = await loadModelDir(run.bestDir);
const trainSet = await loadFeatures(a.data as string, meta, "train", { splitMode: "speaker" });
const testSet = await loadFeatures(a.data as string, meta, "test", { splitMode: "speaker" });
const floatAcc = accuracy(model, testSet);
process.stderr.write(
  `float test accuracy ${(floatAcc * 100).toFixed(2)}% (${testSet.labels.length} clips)\n`,
);
const rows = ptqVsQat(model, trainSet, testSet, {
  bits: (a.bits as string).split(",").map(Number),
  qatEpochs: Number(a["qat-epochs"]),
  exported: a.exported as boolean,
  labels: meta.labels,
  onRow: (r) =>
    process.stderr.write(`${r.method} ${r.bits}-bit: ${(r.accuracy * 100).toFixed(2)}%\n`),
});
const table = compareTable(rows, floatAcc);
console.log(
  `\n${a.model} on ${a.data} (speaker split, ${meta.labels.join("/")}), float trained ${a.epochs}x${a.steps} steps, QAT ${a["qat-epochs"]} epochs\n`,
);
console.log(table);
const svg = await renderSvg(compareSpec(rows, floatAcc, `PTQ vs QAT, ${a.model}`));
writeFileSync(join(a.out as string, "ptq-vs-qat.svg"), svg);
writeFileSync(
  join(a.out as string, "ptq-vs-qat.json"),
  JSON.stringify({ float: floatAcc, rows }, null, 2),
);
console.log(
  `\nplot: ${join(a.out as string, "ptq-vs-qat.svg")}  (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
);
