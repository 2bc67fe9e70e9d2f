/**
 * bench/train-step: milliseconds per training step (batch 64, Adam, cross-entropy) for earshot
 * (TensorFlow.js with earshot's wasm kernels) and, interleaved in the same run, the same
 * architecture in PyTorch (Debian python3-torch, `train_step_torch.py`, 2 threads by default).
 * Each case runs ROUNDS rounds of STEPS steps on each side, alternating, and reports medians;
 * the load average is printed beside them because the host is shared.
 *
 *   npm run bench:train-step
 *   CASES=res8-narrow:98x40 ROUNDS=5 STEPS=10 TORCH_THREADS=1 npm run bench:train-step
 *
 * BACKEND (default wasm) is the tfjs backend asked for; if another one loads, the bench prints
 * what it got and no ratio (exit code 2). The last line per case is JSON:
 * {"model":…,"input":"98x40","backend":"wasm","earshot_ms":…,"pytorch_ms":…,"ratio":…}.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { buildModel, type ModelName } from "../../host/models";
import { type BackendName, loadBackend } from "../../host/train/backend";
import { makeTrainStep } from "../../host/train/step";

const here = dirname(fileURLToPath(import.meta.url));
const steps = Number(process.env.STEPS ?? 10);
const rounds = Number(process.env.ROUNDS ?? 3);
const batch = Number(process.env.BATCH ?? 64);
const torchThreads = Number(process.env.TORCH_THREADS ?? 2);
const asked = (process.env.BACKEND ?? "wasm") as BackendName;
const cases = (process.env.CASES ?? "res8-narrow:98x40,ds-cnn-s:49x10,ds-cnn-s:98x40")
  .split(",")
  .map((c) => {
    const [model, input] = c.split(":");
    const [frames, coeffs] = input.split("x").map(Number);
    return { model: model as ModelName, input, frames, coeffs };
  });
const PYTHON = "/usr/bin/python3";

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** A warmed-up PyTorch process that times N steps per request. */
async function startTorch(model: string, frames: number, coeffs: number) {
  const child = spawn(
    PYTHON,
    [
      join(here, "train_step_torch.py"),
      model,
      String(frames),
      String(coeffs),
      String(batch),
      String(torchThreads),
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error("PyTorch peer exited early");
    return JSON.parse(r.value) as { pytorch_ms?: number; torch?: string };
  };
  const ready = await next();
  return {
    version: ready.torch,
    async time(n: number): Promise<number> {
      child.stdin.write(`${n}\n`);
      return (await next()).pytorch_ms as number;
    },
    stop: () => child.stdin.end(),
  };
}

function ensureTorch(): void {
  if (spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0) return;
  console.log("installing python3-torch (Debian) ...");
  execFileSync("flock", ["/tmp/earshot-apt.lock", "apt-get", "install", "-y", "python3-torch"], {
    stdio: "inherit",
  });
}

const info = await loadBackend({ quiet: true, prefer: asked });
const got = `${info.name}${info.simd ? " +simd" : ""}${info.threads ? " +threads" : ""}`;
console.log(`earshot backend: ${got} (asked for ${asked}); load average ${load()}`);
if (info.name !== asked) {
  console.log(`backend is ${info.name}, not ${asked}: no ratio printed`);
  process.exit(2);
}
ensureTorch();

for (const c of cases) {
  const model = buildModel(c.model, {
    inputShape: [c.frames, c.coeffs, 1],
    numClasses: 12,
  } as never);
  const step = makeTrainStep(model, tf.train.adam(1e-3));
  const x = tf.randomNormal([batch, c.frames, c.coeffs, 1]);
  const y = tf.randomUniform([batch], 0, 12, "int32").cast("int32") as tf.Tensor1D;
  for (let i = 0; i < 3; i++) step(x, y);
  const torch = await startTorch(c.model, c.frames, c.coeffs);
  const ours: number[] = [];
  const theirs: number[] = [];
  const loads: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step(x, y);
    ours.push((performance.now() - t0) / steps);
    theirs.push(await torch.time(steps));
    loads.push(loadavg()[0]);
  }
  torch.stop();
  tf.dispose([x, y]);
  model.dispose();
  const e = median(ours);
  const p = median(theirs);
  const ratio = e / p;
  console.log(
    `${c.model} ${c.input} batch ${batch}: earshot ${e.toFixed(1)} ms [${ours.map((v) => v.toFixed(0)).join(" ")}], ` +
      `pytorch ${torch.version} ${torchThreads} thr ${p.toFixed(1)} ms [${theirs.map((v) => v.toFixed(0)).join(" ")}], ` +
      `ratio ${ratio.toFixed(2)} (target <= 1.0), 1-min load ${median(loads).toFixed(2)}`,
  );
  console.log(
    JSON.stringify({
      model: c.model,
      input: c.input,
      batch,
      backend: info.name,
      torch_threads: torchThreads,
      earshot_ms: Number(e.toFixed(1)),
      pytorch_ms: Number(p.toFixed(1)),
      ratio: Number(ratio.toFixed(3)),
      load1: Number(median(loads).toFixed(2)),
    }),
  );
}
