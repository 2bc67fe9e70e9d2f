/**
 * Seed 000's first table, reproduced in shape: res8-narrow float, res8-q (8-bit QAT fine-tuned
 * from the float model), direct binarization of res8-narrow, and res8-bin (the BNN redesign),
 * each trained, exported and scored: accuracy of the tfjs model and of the exported integer
 * file on the held-out speakers (speaker split of ../shared/speech/sc-v2-test), and size.
 * Budget-limited (few epochs): compare who wins and who collapses, not the paper's numbers
 * (92.14% @ 80 KiB, 85.43% @ ~20 KiB, 8.28%, 69.50% @ 56.06 KiB on the full dataset).
 *
 *   npx tsx bench/seed000/run.ts [--data DIR] [--out DIR] [--epochs 3] [--steps 150] [--qat-epochs 2]
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadModelDir } from "../../host/compress/checkpoint";
import { deviceAccuracy } from "../../host/compress/compare";
import { accuracy, loadFeatures } from "../../host/compress/data";
import { exportFile } from "../../host/compress/export-file";
import type { Precision } from "../../host/compress/precision";
import { countParams } from "../../host/models";
import { resolveTrainConfig, train } from "../../host/train/loop";

const { values: a } = parseArgs({
  options: {
    data: { type: "string", default: "../shared/speech/sc-v2-test" },
    out: { type: "string", default: "/tmp/earshot-seed000" },
    epochs: { type: "string", default: "3" },
    steps: { type: "string", default: "150" },
    "qat-epochs": { type: "string", default: "2" },
    only: { type: "string" },
    /** Reuse finished runs under --out (re-export and re-score only). */
    reuse: { type: "boolean", default: false },
  },
});
const data = a.data as string;
const out = a.out as string;
const say = (l: string) => process.stderr.write(`${l}\n`);

interface Run {
  name: string;
  model: string;
  precision: Precision;
  from?: string;
  epochs: number;
}
const floatDir = join(out, "res8-narrow", "best");
const runs: Run[] = [
  {
    name: "res8-narrow (float)",
    model: "res8-narrow",
    precision: "float",
    epochs: Number(a.epochs),
  },
  {
    name: "res8-q (8-bit QAT)",
    model: "res8-narrow",
    precision: "int8",
    from: floatDir,
    epochs: Number(a["qat-epochs"]),
  },
  {
    name: "res8-narrow binary",
    model: "res8-narrow",
    precision: "binary",
    epochs: Number(a.epochs),
  },
  { name: "res8-bin (binary)", model: "res8-bin", precision: "binary", epochs: Number(a.epochs) },
];
const dirOf = (r: Run) =>
  join(out, r.precision === "float" ? r.model : `${r.model}-${r.precision}`);

const rows: string[] = [];
const t0 = performance.now();
for (const r of runs) {
  if (a.only && !r.name.includes(a.only as string)) continue;
  const t = performance.now();
  const reuse = a.reuse && existsSync(join(dirOf(r), "best", "earshot.json"));
  const res = reuse
    ? { bestDir: join(dirOf(r), "best") }
    : await train(
        resolveTrainConfig({
          data,
          model: r.model,
          out: dirOf(r),
          epochs: r.epochs,
          stepsPerEpoch: Number(a.steps),
          splitMode: "speaker",
          precision: r.precision,
          from: r.from,
        }),
        { info: say },
      );
  const { model, meta } = await loadModelDir(res.bestDir);
  const test = await loadFeatures(data, meta, "test", { splitMode: "speaker" });
  const file = join(out, `${r.model}-${r.precision}.esm`);
  const ex = await exportFile({ model: res.bestDir, out: file, calib: data, calibCount: 256 });
  const accTf = accuracy(model, test);
  const accInt = deviceAccuracy(ex.model, test);
  const params = countParams(model);
  const floatKiB = (params * 4) / 1024;
  const fileKiB = statSync(file).size / 1024;
  rows.push(
    `| ${r.name} | ${params} | ${(accTf * 100).toFixed(2)}% | ${(accInt * 100).toFixed(2)}% | ${floatKiB.toFixed(2)} | ${fileKiB.toFixed(2)} | ${((performance.now() - t) / 1000).toFixed(0)} |`,
  );
  say(rows[rows.length - 1]);
}
console.log(
  `\nseed 000 table, ${data} (speaker split: test = held-out speakers), ${a.epochs} epochs x ${a.steps} steps (QAT ${a["qat-epochs"]})\n`,
);
console.log(
  "| model | params | test acc (tfjs) | test acc (exported int) | float32 KiB | file KiB | s |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) console.log(r);
console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(0)} s`);
