/**
 * Host inference speed: earshot's host integer inference (host/eval/host-int-model.ts: the
 * native addon when deploy/native.sh built it, else the wasm SIMD kernels with the model
 * resident in wasm memory; batch 1) against onnxruntime-node on the same model exported as QDQ
 * ONNX, in one run on one thread each. With the addon, the wasm path is timed too, as a
 * reference. Default model: the shipped models/kws12-int8.esm.
 * Run: npm run bench:host-infer [-- --model FILE.esm --runs 200]   (EARSHOT_NATIVE=0: wasm path)
 * Prints the path used and per-inference medians; the last line is JSON
 * { path, earshot_ms, ort_ms, ratio } (goal ratio <= 1.5, earshot / ort).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildOutputs } from "../../device/engines/paths";
import { buildDevice } from "../../device/tools/build";
import { IntEvaluator } from "../../host/compress/int-eval";
import { openHostIntModel } from "../../host/eval/host-int-model";
import { ResidentWasmModel } from "../../host/infer/wasm-resident";
import { exportOnnx } from "../../host/interop/onnx/export";
import { loadOrt } from "../../host/teacher/runtime";
import { decodeModel } from "../../shared/model-format/decode";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: join(import.meta.dirname, "../../models/kws12-int8.esm") },
    runs: { type: "string", default: "200" },
  },
});
const runs = Number(values.runs);
const model = decodeModel(Array.from(readFileSync(values.model)));
buildDevice();
const ev = openHostIntModel(model);
// The wasm path as a reference when the addon runs (it is `ev` itself otherwise).
const wasm = ev.path === "native" ? new ResidentWasmModel(model, buildOutputs().wasmSimd) : null;
const n = new IntEvaluator(model).inputSize();
const inputs = Array.from({ length: 8 }, (_, k) =>
  Array.from({ length: n }, (_, i) => 2 * Math.sin(i * 0.37 + k) + Math.cos(i * 0.011 * k)),
);

const ort = await loadOrt();
const onnxPath = join(mkdtempSync(join(tmpdir(), "earshot-bench-")), "model.onnx");
writeFileSync(onnxPath, exportOnnx(model, "qdq"));
const session = await ort.InferenceSession.create(onnxPath, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
});
const shape = [1, ...model.tensors[model.input].shape];
const feeds = inputs.map((f) => ({
  features: new ort.Tensor("float32", Float32Array.from(f), shape),
}));

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// Warm-up, then alternate the two so both see the same machine load.
for (let k = 0; k < 10; k++) {
  ev.run(inputs[k % 8]);
  wasm?.run(inputs[k % 8]);
  await session.run(feeds[k % 8]);
}
const tE: number[] = [];
const tO: number[] = [];
const tW: number[] = [];
for (let k = 0; k < runs; k++) {
  let t0 = performance.now();
  ev.run(inputs[k % 8]);
  tE.push(performance.now() - t0);
  t0 = performance.now();
  await session.run(feeds[k % 8]);
  tO.push(performance.now() - t0);
  if (wasm) {
    t0 = performance.now();
    wasm.run(inputs[k % 8]);
    tW.push(performance.now() - t0);
  }
}
const RATIO_GOAL = 1.5;
const earshot_ms = median(tE);
const ort_ms = median(tO);
console.log(`model ${values.model}: ${model.ops.length} ops, input [${shape}]`);
console.log(
  `earshot (${ev.path}) ${earshot_ms.toFixed(3)} ms, onnxruntime-node ${ort_ms.toFixed(3)} ms per inference (median of ${runs})`,
);
if (wasm) {
  const w = median(tW);
  console.log(`reference: earshot (wasm-simd) ${w.toFixed(3)} ms, ${(w / ort_ms).toFixed(2)}x ort`);
}
const ratio = earshot_ms / ort_ms;
// Issue 14's goal: earshot's host integer inference within 1.5x of onnxruntime's.
console.log(
  ratio <= RATIO_GOAL
    ? `ratio ${ratio.toFixed(2)}: meets the goal (<= ${RATIO_GOAL})`
    : `ratio ${ratio.toFixed(2)}: SHORT of the goal (<= ${RATIO_GOAL})`,
);
console.log(
  JSON.stringify({
    path: ev.path,
    earshot_ms: +earshot_ms.toFixed(4),
    ort_ms: +ort_ms.toFixed(4),
    ratio: +ratio.toFixed(3),
  }),
);
await session.release();
