/**
 * Where an exported binary net parts from its tfjs model: layer by layer on the test subset.
 *
 *   npx tsx bench/binary-gap/diag.ts --model RUN/best --data DIR [--split speaker] [--n 197]
 *
 * Exports the checkpoint as `earshot export` does, runs the integer evaluator (keeping every
 * op's output) and the tfjs model (every layer's output) on the same normalized features, and
 * for each exported activation prints the sign agreement with the tfjs tensor of the layer it
 * stands for, the relative error of the dequantized values and the share saturated, then the
 * argmax agreement and both accuracies. `--force` also runs the integer graph with every
 * integer activation replaced by the tfjs value quantized on its grid (teacher forcing), so each
 * layer's own contribution shows apart from what it inherits. `sat` is the share of values at
 * the ends of the integer range (for a ReLU output the lower end is 0). Issue 4.
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { loadModelDir } from "../../host/compress/checkpoint";
import { loadFeatures } from "../../host/compress/data";
import { calibrate, Exporter } from "../../host/compress/export";
import { dequantize, IntEvaluator } from "../../host/compress/int-eval";
import { calibrateInputRanges } from "../../host/compress/ptq";
import { isQuantLayer } from "../../host/compress/qlayers";
import { loadBackend } from "../../host/train/backend";
import { runOp } from "../../shared/kernels/dispatch";
import { referenceKernels } from "../../shared/kernels/reference";
import { dtypeRange, storedCount } from "../../shared/model-format/layout";
import { DT_BIN, DT_FLOAT32 } from "../../shared/model-format/types";
import { unpackSigns } from "../../shared/quant/pack";

const { values: a } = parseArgs({
  options: {
    model: { type: "string" },
    data: { type: "string" },
    split: { type: "string", default: "speaker" },
    n: { type: "string", default: "197" },
    calib: { type: "string", default: "256" },
    percentile: { type: "string" },
    force: { type: "boolean", default: false },
    /** Print per-channel mean and RMS error of this layer. */
    layer: { type: "string" },
  },
});
await loadBackend({ quiet: true });
const { model, meta } = await loadModelDir(a.model as string);
const calib = await loadFeatures(a.data as string, meta, "train", { limit: Number(a.calib) });
const percentile = a.percentile ? Number(a.percentile) : undefined;
const untrained = model.layers.some(
  (l) =>
    isQuantLayer(l) &&
    l.inputMin &&
    l.inputMax &&
    l.inputMax.read().dataSync()[0] <= l.inputMin.read().dataSync()[0],
);
if (untrained) calibrateInputRanges(model, calib.x, { percentile });
const ranges = calibrate(model, calib.x, percentile);
const ex = new Exporter(model, { labels: meta.labels, ranges });
const dm = ex.run();
const map = ex.activationMap();
const offsets = new Map(map.filter((a) => a.offset).map((a) => [a.tensor, a.offset as number[]]));
const byTensor = new Map<number, string>();
for (const a of map) if (!byTensor.has(a.tensor)) byTensor.set(a.tensor, a.layer);

const test = await loadFeatures(a.data as string, meta, "test", {
  splitMode: a.split as "speaker",
});
const n = Math.min(Number(a.n), test.labels.length);
const layers = model.layers.filter((l) => l.getClassName() !== "InputLayer");
const probe = tf.model({
  inputs: model.inputs,
  outputs: layers.map((l) => l.output as tf.SymbolicTensor),
});
const layerIdx = new Map(layers.map((l, i) => [l.name, i]));

interface Stat {
  sign: number;
  total: number;
  err2: number;
  ref2: number;
  clip: number;
}
const stats = new Map<number, Stat>();
const ev = new IntEvaluator(dm);
// The evaluator's own loop, run here op by op so that --force can overwrite outputs.
const values = dm.tensors.map((t) =>
  t.data !== null ? t.data : new Array<number>(storedCount(t.dtype, t.shape)).fill(0),
);
let agree = 0;
let accInt = 0;
let accTf = 0;
let ties = 0;
const chErr = new Array<number>(1024).fill(0);
const chErr2 = new Array<number>(1024).fill(0);
const chN = new Array<number>(1024).fill(0);
let tieOracle = 0;
const argmax = (v: ArrayLike<number>) => {
  let b = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
  return b;
};
for (let s = 0; s < n; s++) {
  const x = test.x.slice([s], [1]);
  const outs = probe.predict(x) as tf.Tensor[];
  const ref = outs.map((t) => t.dataSync());
  const feats = x.dataSync();
  x.dispose();
  tf.dispose(outs);
  const input = values[dm.input];
  for (let i = 0; i < feats.length; i++) input[i] = feats[i];
  for (const p of ev.prepared) {
    runOp(referenceKernels, p, values);
    const ti = p.outputs[0];
    const name = byTensor.get(ti);
    const li = name !== undefined ? layerIdx.get(name) : undefined;
    if (li === undefined) continue;
    const t = dm.tensors[ti];
    const r = ref[li];
    const st = stats.get(ti) ?? { sign: 0, total: 0, err2: 0, ref2: 0, clip: 0 };
    if (t.dtype === DT_BIN) {
      const C = t.shape[t.shape.length - 1];
      const signs = new Array<number>(r.length);
      unpackSigns(values[ti], r.length / C, C, signs);
      for (let i = 0; i < r.length; i++) if (signs[i] > 0 === r[i] >= 0) st.sign++;
      st.total += r.length;
    } else if (t.dtype !== DT_FLOAT32) {
      const q = values[ti];
      const C = t.shape[t.shape.length - 1];
      const off = offsets.get(ti);
      // Dequantized, less the error the exporter knows and its consumers remove.
      const d = dequantize(t, q).map((v, i) => v - (off ? off[i % C] : 0));
      const [lo, hi] = dtypeRange(t.dtype);
      for (let i = 0; i < r.length; i++) {
        if (d[i] >= 0 === r[i] >= 0) st.sign++;
        st.err2 += (d[i] - r[i]) ** 2;
        st.ref2 += r[i] ** 2;
        if (q[i] === lo || q[i] === hi) st.clip++;
        if (a.force) {
          const v = Math.round((r[i] + (off ? off[i % C] : 0)) / t.scales[0]) + t.zeroPoint;
          q[i] = Math.min(hi, Math.max(lo, v));
        }
      }
      st.total += r.length;
      if (name === a.layer) {
        for (let i = 0; i < r.length; i++) {
          chErr[i % C] += d[i] - r[i];
          chErr2[i % C] += (d[i] - r[i]) ** 2;
          chN[i % C]++;
        }
      }
    }
    stats.set(ti, st);
  }
  const logits = ref[ref.length - 1];
  const out = values[dm.output];
  const bi = argmax(out);
  if (out.filter((v) => v === out[bi]).length > 1) {
    ties++;
    // Oracle: among the tied classes, the one tfjs ranks first.
    let best = -1;
    for (let c = 0; c < out.length; c++)
      if (out[c] === out[bi] && (best < 0 || logits[c] > logits[best])) best = c;
    if (best === test.labels[s]) tieOracle++;
  } else if (bi === test.labels[s]) tieOracle++;
  if (bi === argmax(logits)) agree++;
  if (bi === test.labels[s]) accInt++;
  if (argmax(logits) === test.labels[s]) accTf++;
}
console.log(`ops: ${dm.ops.length}, examples ${n}${a.force ? " (teacher forcing)" : ""}`);
for (const [ti, st] of stats) {
  const t = dm.tensors[ti];
  const rel = st.ref2 > 0 ? Math.sqrt(st.err2 / st.ref2) : 0;
  console.log(
    `${(byTensor.get(ti) ?? "?").padEnd(14)} ${t.name.padEnd(12)} dt${t.dtype} sign ${((100 * st.sign) / st.total).toFixed(2)}%` +
      (t.dtype === DT_BIN
        ? ""
        : `  relerr ${rel.toFixed(4)}  sat ${((100 * st.clip) / st.total).toFixed(3)}%  scale ${t.scales[0].toExponential(3)} zp ${t.zeroPoint}`),
  );
}
if (a.layer)
  for (let c = 0; c < 1024 && chN[c] > 0; c++)
    console.log(
      `  ch${c} mean err ${(chErr[c] / chN[c]).toFixed(5)} rms ${Math.sqrt(chErr2[c] / chN[c]).toFixed(5)}`,
    );
console.log(
  `argmax agreement ${((100 * agree) / n).toFixed(2)}%  tfjs ${((100 * accTf) / n).toFixed(2)}%  int ${((100 * accInt) / n).toFixed(2)}%  output ties ${ties} (int with ties broken by tfjs ${((100 * tieOracle) / n).toFixed(2)}%)`,
);
