/**
 * Seed 000's binary ensembles (section III-C), in shape: for each small binary architecture,
 * train 3 instances that differ only in their seed (weight init, batch order, the unknown
 * examples drawn), export each, and score on the held-out speakers (speaker split of
 * ../shared/speech/sc-v2-test) with the integer semantics: every single model, every 2-model
 * ensemble and the 3-model ensemble (equal-weight mean of probabilities), with memory as the sum
 * of the member files (in brackets: the stored weights alone, seed 000's measure). Seed 000 reports +5.5% on average for 2-instance ensembles of binary
 * models under 4.5 KiB, with diminishing returns for the third member. Budget-limited: a few
 * short epochs, so compare the gains, not the paper's accuracies.
 *
 *   npx tsx bench/ensembles/run.ts [--data DIR] [--out DIR] [--epochs 3] [--steps 150]
 *     [--arch NAME=filters,blocks ...] [--instances 3] [--reuse]
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadModelDir } from "../../host/compress/checkpoint";
import { exportFile } from "../../host/compress/export-file";
import { modelReport } from "../../host/compress/model-report";
import { ensembleAccuracy, scoreMembers } from "../../host/eval/ensemble";
import { readDeviceModel } from "../../host/eval/exported";
import { countParams } from "../../host/models";
import { resolveTrainConfig, train } from "../../host/train/loop";

const { values: a } = parseArgs({
  options: {
    data: { type: "string", default: "../shared/speech/sc-v2-test" },
    out: { type: "string", default: "/tmp/earshot-ensembles" },
    epochs: { type: "string", default: "3" },
    steps: { type: "string", default: "150" },
    batch: { type: "string", default: "64" },
    /** res8-bin variants as name=filters,blocks (default two of them). */
    arch: { type: "string", multiple: true, default: ["bin-f8-d1=8,1", "bin-f12-d1=12,1"] },
    instances: { type: "string", default: "3" },
    /** Reuse finished runs under --out (re-export and re-score only). */
    reuse: { type: "boolean", default: false },
  },
});
const data = a.data as string;
const out = a.out as string;
const instances = Number(a.instances);
const say = (l: string) => process.stderr.write(`${l}\n`);
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const kib = (b: number) => (b / 1024).toFixed(2);
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;

/** All k-element subsets of 0..n-1, in order. */
function combos(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  const outList: number[][] = [];
  for (let i = k - 1; i < n; i++) for (const c of combos(i, k - 1)) outList.push([...c, i]);
  return outList;
}

const archs = (a.arch as string[]).map((s) => {
  const m = /^([\w-]+)=(\d+),(\d+)$/.exec(s);
  if (!m) throw new Error(`--arch must look like name=filters,blocks (got '${s}')`);
  return { name: m[1], filters: Number(m[2]), blocks: Number(m[3]) };
});

const rows: string[] = [];
const t0 = performance.now();
for (const arch of archs) {
  const files: string[] = [];
  let params = 0;
  for (let seed = 1; seed <= instances; seed++) {
    const t = performance.now();
    const dir = join(out, `${arch.name}-s${seed}`);
    const reuse = a.reuse && existsSync(join(dir, "best", "earshot.json"));
    const res = reuse
      ? { bestDir: join(dir, "best"), bestValAccuracy: null }
      : await train(
          resolveTrainConfig({
            data,
            model: "res8-bin",
            modelConfig: { filters: arch.filters, blocks: arch.blocks },
            out: dir,
            epochs: Number(a.epochs),
            stepsPerEpoch: Number(a.steps),
            batchSize: Number(a.batch),
            seed,
            splitMode: "speaker",
            precision: "binary",
          }),
          { info: say },
        );
    const file = join(out, `${arch.name}-s${seed}.esm`);
    // Calibrate on the speaker split's training speakers, never on the test speakers.
    await exportFile({
      model: res.bestDir,
      out: file,
      calib: data,
      calibCount: 256,
      splitMode: "speaker",
    });
    params = countParams((await loadModelDir(res.bestDir)).model);
    files.push(file);
    say(
      `${arch.name} seed ${seed}: ${statSync(file).size} bytes, ${((performance.now() - t) / 1000).toFixed(0)} s`,
    );
  }
  const s = await scoreMembers(files, { data, splitMode: "speaker", subset: "test" });
  const single = files.map((_, i) => ensembleAccuracy(s, [i]));
  const pairs = combos(files.length, 2).map((c) => ensembleAccuracy(s, c));
  const all = ensembleAccuracy(
    s,
    files.map((_, i) => i),
  );
  const bytes = mean(s.bytes);
  const paramBytes = mean(files.map((f) => modelReport(readDeviceModel(f)).totals.paramBytes));
  const size = (k: number) => `${kib(k * bytes)} (${kib(k * paramBytes)})`;
  rows.push(
    `| ${arch.name} (res8-bin ${arch.filters} filters, ${arch.blocks} block${arch.blocks > 1 ? "s" : ""}) | ${params} | ${single.map(pct).join(" / ")} (mean ${pct(mean(single))}) | ${size(1)} | ${pairs.map(pct).join(" / ")} (mean ${pct(mean(pairs))}, ${(100 * (mean(pairs) - mean(single))).toFixed(2)} pts) | ${size(2)} | ${pct(all)} (${(100 * (all - mean(single))).toFixed(2)} pts) | ${size(files.length)} | ${s.truth.length} |`,
  );
  say(rows[rows.length - 1]);
}
console.log(
  `\nbinary ensembles (seed 000 III-C), ${data}, speaker split (test = held-out speakers), ${a.epochs} epochs x ${a.steps} steps, batch ${a.batch}, exported integer semantics\n`,
);
console.log(
  "| architecture | params | single (each, mean) | KiB file (weights) | 2-model (each pair, mean, gain) | KiB | all members (gain) | KiB | test n |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) console.log(r);
console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(0)} s`);
