/**
 * Calibrates the search's device cost model (host/search/cost-model.ts): exports a few search
 * candidates of both families (untrained: instruction counts do not depend on the weights),
 * counts the instructions of the Duktape host with C kernels per second of audio under callgrind
 * (the difference between 2 s and 1 s of audio, one inference per 100 ms, as bench:device does),
 * fits the model by least squares, and writes host/search/device-cost.json with the fit's error
 * on those points (in-sample and leave-one-out). Prints a table and one JSON line.
 *
 *   npx tsx bench/device-cost/run.ts            # ~10 minutes on a busy 2-core machine
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { buildOutputs } from "../../device/engines/paths";
import { frontEndToKeyValues } from "../../device/runtime/frontend-config-write";
import { buildDevice } from "../../device/tools/build";
import { calibrate, exportModel } from "../../host/compress/export";
import { applyPrecision } from "../../host/compress/precision";
import { calibrateInputRanges } from "../../host/compress/ptq";
import { buildModel } from "../../host/models";
import { modelCost } from "../../host/search/cost";
import { CALIBRATION_FILE, type CostFeatures, fitCalibration } from "../../host/search/cost-model";
import { type Arch, type Family, FRAMES_PER_CLIP, trainSpec } from "../../host/search/space";
import { PRESETS } from "../../shared/features/config";
import { encodeModel } from "../../shared/model-format/encode";

const LABELS = Array.from({ length: 12 }, (_, i) => `w${i}`);
const POINTS: { family: Family; arch: Arch }[] = [
  { family: "int8", arch: { mfcc: 10, depth: 2, kernel: 3, filters: 4 } },
  { family: "int8", arch: { mfcc: 20, depth: 2, kernel: 3, filters: 8 } },
  { family: "int8", arch: { mfcc: 40, depth: 3, kernel: 3, filters: 19 } },
  { family: "int8", arch: { mfcc: 20, depth: 4, kernel: 5, filters: 16 } },
  { family: "binary", arch: { mfcc: 10, depth: 2, kernel: 3, filters: 16 } },
  { family: "binary", arch: { mfcc: 20, depth: 3, kernel: 3, filters: 32 } },
  { family: "binary", arch: { mfcc: 40, depth: 6, kernel: 5, filters: 32 } },
];

const tmp = mkdtempSync(join(tmpdir(), "earshot-device-cost-"));

function instructions(args: string[]): number {
  const r = spawnSync(
    "valgrind",
    ["--tool=callgrind", "--callgrind-out-file=/dev/null", buildOutputs().duktapeHost, ...args],
    { encoding: "utf8", maxBuffer: 1 << 28 },
  );
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`callgrind failed: ${r.stderr.slice(-500)}`);
  return Number(m[1]);
}

function audio(seconds: number): string {
  const n = Math.round(seconds * 16000);
  const s = new Int16Array(n);
  let x = 7;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    s[i] = Math.round(5000 * Math.sin(i * 0.07) + (x % 4000) - 2000);
  }
  const path = join(tmp, `audio-${seconds}.s16`);
  writeFileSync(path, new Uint8Array(s.buffer));
  return path;
}

async function main(): Promise<void> {
  if (spawnSync("valgrind", ["--version"]).status !== 0) {
    process.stderr.write("valgrind is missing: cannot calibrate the device cost model\n");
    process.exitCode = 1;
    return;
  }
  await tf.setBackend("cpu");
  buildDevice();
  const one = audio(1);
  const two = audio(2);
  const points: { name: string; features: CostFeatures; measured: number }[] = [];
  for (const p of POINTS) {
    const s = trainSpec(p);
    const shape: [number, number, number] = [FRAMES_PER_CLIP, p.arch.mfcc, 1];
    const built = buildModel(s.model, {
      ...s.modelConfig,
      inputShape: shape,
      numClasses: 12,
    } as never);
    const cost = modelCost(built, p.family);
    const m = applyPrecision(built, p.family);
    const calib = tf.randomNormal([8, ...shape], 0, 1, "float32", 5) as tf.Tensor4D;
    calibrateInputRanges(m, calib);
    const dm = exportModel(m, {
      labels: LABELS,
      modelId: "cost",
      frontEnd: frontEndToKeyValues(PRESETS[s.frontEnd]),
      meta: [{ key: "strideFrames", value: 10 }],
      ranges: calibrate(m, calib),
    });
    const file = join(tmp, "model.bin");
    writeFileSync(file, Uint8Array.from(encodeModel(dm)));
    const es5 = buildOutputs().es5;
    const measured =
      instructions([es5, file, two, "0", ""]) - instructions([es5, file, one, "0", ""]);
    const name = `${p.family} m${p.arch.mfcc}-d${p.arch.depth}-k${p.arch.kernel}-f${p.arch.filters}`;
    points.push({
      name,
      features: {
        int8Macs: cost.macs - cost.binaryMacs,
        binaryMacs: cost.binaryMacs,
        activations: cost.activations,
      },
      measured,
    });
    process.stderr.write(`${name}: ${(measured / 1e6).toFixed(1)}M instr per audio second\n`);
  }
  const cal = fitCalibration(
    points,
    10,
    "callgrind, Duktape host with C kernels (earshot-duk), 2 s - 1 s of audio, stride 10 frames",
  );
  writeFileSync(CALIBRATION_FILE, `${JSON.stringify(cal, null, 2)}\n`);
  process.stdout.write(
    "| model | int8 MACs | binary MACs | measured instr/s | predicted | error |\n| --- | --- | --- | --- | --- | --- |\n",
  );
  for (const p of cal.points)
    process.stdout.write(
      `| ${p.name} | ${p.features.int8Macs} | ${p.features.binaryMacs} | ${(p.measured / 1e6).toFixed(2)}M | ${(p.predicted / 1e6).toFixed(2)}M | ${(((p.predicted - p.measured) / p.measured) * 100).toFixed(1)}% |\n`,
    );
  process.stdout.write(
    `fit: c0 ${(cal.c0 / 1e6).toFixed(2)}M/s, ${cal.cInt8.toFixed(3)} instr per int8 MAC, ${cal.cBin.toFixed(4)} per binary MAC, ${cal.cAct.toFixed(2)} per activation; error mean ${(cal.error.meanAbsRel * 100).toFixed(1)}%, max ${(cal.error.maxAbsRel * 100).toFixed(1)}%, leave-one-out max ${(cal.error.looMaxAbsRel * 100).toFixed(1)}%\n`,
  );
  process.stdout.write(
    `${JSON.stringify({ c0: cal.c0, cInt8: cal.cInt8, cBin: cal.cBin, cAct: cal.cAct, error: cal.error })}\n`,
  );
}

try {
  await main();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
