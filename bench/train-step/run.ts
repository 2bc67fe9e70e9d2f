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
 * REPLICAS (default "1,2") lists earshot's data-parallel replica counts to time (host/train/
 * parallel: the main thread and workers, half a batch each for 2). KERNELS (default "native,wasm"
 * when the native addon is built, else "wasm") lists the conv kernels to time one replica with:
 * the addon's (host/native, deploy/native.sh; EARSHOT_TRAIN_THREADS threads) or the wasm ones;
 * more replicas run on the default path (native when built). BACKEND (default wasm) is the
 * tfjs backend asked for; if another one loads, the bench prints what it got and no ratio (exit
 * code 2). Wall time is what the target is about; CPU time (all threads) is printed beside it
 * because it moves less with other load on a shared host. One JSON line per case and replica count:
 * {"model":…,"input":"98x40","replicas":2,"backend":"wasm","kernels":"native","earshot_ms":…,"pytorch_ms":…,"ratio":…}.
 *
 * Then the epoch against the step (epoch.ts): the kws12 recipe's real training loop over
 * EPOCH_DATA (default ../shared/speech/sc-v2-test beside the repository) with each prefetch
 * worker count in PREP_WORKERS (default "1,2,auto"), EPOCH_WARMUP (4) + EPOCH_STEPS (12) steps,
 * against the step alone on a fixed batch; one JSON line each with `epoch_over_step` (loop ms
 * per batch / step ms). EPOCH=0 leaves it out; EPOCH_ONLY=1 runs only it (no PyTorch).
 * EPOCH_COPIES (default "0") lists augmented copies per example to time the loop with (e.g.
 * "0,4": fresh augmentation, then 4 stored copies, made before the loop is timed), EPOCH_VTLP
 * (default "audio,filterbank") where the vocal tract warp is applied.
 */

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { VTLP_DOMAINS } from "../../host/data/augment";
import { buildModel, type ModelName } from "../../host/models";
import { nativeAddon, nativeStatus } from "../../host/native/load";
import { adam } from "../../host/train/adam";
import { type BackendName, loadBackend } from "../../host/train/backend";
import { setNativeTrainKernels } from "../../host/train/kernels/native";
import { openParallelStep } from "../../host/train/parallel";
import { makeTrainStep, type StepResult } from "../../host/train/step";
import { measureEpoch } from "./epoch";

const here = dirname(fileURLToPath(import.meta.url));
const steps = Number(process.env.STEPS ?? 10);
const rounds = Number(process.env.ROUNDS ?? 3);
const batch = Number(process.env.BATCH ?? 64);
const torchThreads = Number(process.env.TORCH_THREADS ?? 2);
const asked = (process.env.BACKEND ?? "wasm") as BackendName;
const replicaCounts = (process.env.REPLICAS ?? "1,2").split(",").map(Number);
type KernelPath = "native" | "wasm";
const kernelPaths = (process.env.KERNELS ?? (nativeAddon() ? "native,wasm" : "wasm"))
  .split(",")
  .map((k) => k as KernelPath);
if (kernelPaths.includes("native") && nativeAddon() === null) {
  const st = nativeStatus();
  console.log(`native kernels asked for but unavailable (${st.addon === null ? st.reason : ""})`);
  process.exit(2);
}
/** What is timed: replica count and conv kernels (the toggle applies to the main thread). */
const variants: { replicas: number; kernels: KernelPath }[] = [];
for (const r of replicaCounts) {
  if (r <= 1) for (const k of kernelPaths) variants.push({ replicas: r, kernels: k });
  else variants.push({ replicas: r, kernels: nativeAddon() ? "native" : "wasm" });
}
const cases = (process.env.CASES ?? "res8-narrow:98x40,ds-cnn-s:49x10").split(",").map((c) => {
  const [model, input] = c.split(":");
  const [frames, coeffs] = input.split("x").map(Number);
  return { model: model as ModelName, input, frames, coeffs };
});
const PYTHON = "/usr/bin/python3";
const epochOnly = process.env.EPOCH_ONLY === "1";
const epoch = process.env.EPOCH !== "0";
const prepWorkers = (process.env.PREP_WORKERS ?? "1,2,auto")
  .split(",")
  .map((w) => (w === "auto" ? w : Number(w)));
const epochSteps = Number(process.env.EPOCH_STEPS ?? 12);
const epochWarmup = Math.max(1, Number(process.env.EPOCH_WARMUP ?? 4));
const epochCopies = (process.env.EPOCH_COPIES ?? "0").split(",").map(Number);
const epochVtlp = (process.env.EPOCH_VTLP ?? VTLP_DOMAINS.join(",")).split(",").map((d) => {
  const domain = VTLP_DOMAINS.find((v) => v === d);
  if (!domain) throw new Error(`EPOCH_VTLP: '${d}' is not one of ${VTLP_DOMAINS.join(", ")}`);
  return domain;
});
const epochData = process.env.EPOCH_DATA ?? join(here, "../../../shared/speech/sc-v2-test");

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
    return JSON.parse(r.value) as { pytorch_ms?: number; cpu_ms?: number; torch?: string };
  };
  const ready = await next();
  return {
    version: ready.torch,
    async time(n: number): Promise<{ wall: number; cpu: number }> {
      child.stdin.write(`${n}\n`);
      const r = await next();
      return { wall: r.pytorch_ms as number, cpu: r.cpu_ms as number };
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
const st = nativeStatus();
console.log(
  `earshot backend: ${got} (asked for ${asked}); conv kernels: ${kernelPaths.join(", ")}${st.addon ? ` (native addon: ${st.info}, ${st.addon.trainThreads()} thread(s))` : ` (native addon: ${st.reason})`}; load average ${load()}`,
);
if (info.name !== asked) {
  console.log(`backend is ${info.name}, not ${asked}: no ratio printed`);
  process.exit(2);
}
if (!epochOnly) ensureTorch();

type Step = (x: tf.Tensor, y: tf.Tensor1D) => StepResult;

for (const c of epochOnly ? [] : cases) {
  const inputShape: [number, number, number] = [c.frames, c.coeffs, 1];
  const config = { inputShape, numClasses: 12 };
  const models: tf.LayersModel[] = [];
  const closers: (() => Promise<void>)[] = [];
  const steps_: Step[] = [];
  for (const { replicas: r } of variants) {
    const model = buildModel(c.model, config as never);
    models.push(model);
    if (r <= 1) {
      steps_.push(makeTrainStep(model, adam(1e-3)));
    } else {
      const p = await openParallelStep(model, adam(1e-3), {
        replicas: r,
        model: { name: c.model, config },
        inputShape,
        batchSize: batch,
      });
      steps_.push(p.step);
      closers.push(p.close);
    }
  }
  const x = tf.randomNormal([batch, c.frames, c.coeffs, 1]);
  const y = tf.randomUniform([batch], 0, 12, "int32").cast("int32") as tf.Tensor1D;
  const use = (k: number) => setNativeTrainKernels(variants[k].kernels === "native");
  for (const [k, step] of steps_.entries()) {
    use(k);
    for (let i = 0; i < 3; i++) step(x, y);
  }
  const torch = await startTorch(c.model, c.frames, c.coeffs);
  const ours: number[][] = variants.map(() => []);
  const oursCpu: number[][] = variants.map(() => []);
  const theirs: number[] = [];
  const theirsCpu: number[] = [];
  const loads: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [k, step] of steps_.entries()) {
      use(k);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (let i = 0; i < steps; i++) step(x, y);
      ours[k].push((performance.now() - t0) / steps);
      const c = process.cpuUsage(c0);
      oursCpu[k].push((c.user + c.system) / 1000 / steps);
    }
    const t = await torch.time(steps);
    theirs.push(t.wall);
    theirsCpu.push(t.cpu);
    loads.push(loadavg()[0]);
  }
  torch.stop();
  for (const close of closers) await close();
  tf.dispose([x, y]);
  for (const m of models) m.dispose();
  const p = median(theirs);
  const pc = median(theirsCpu);
  const load1 = Number(median(loads).toFixed(2));
  console.log(
    `${c.model} ${c.input} batch ${batch}: pytorch ${torch.version} ${torchThreads} thr ${p.toFixed(1)} ms [${theirs.map((v) => v.toFixed(0)).join(" ")}] (cpu ${pc.toFixed(1)} ms), 1-min load ${load1}`,
  );
  setNativeTrainKernels(true);
  for (const [k, { replicas: r, kernels }] of variants.entries()) {
    const e = median(ours[k]);
    const ec = median(oursCpu[k]);
    const ratio = e / p;
    console.log(
      `  earshot ${r} replica(s), ${kernels} kernels ${e.toFixed(1)} ms [${ours[k].map((v) => v.toFixed(0)).join(" ")}] (cpu ${ec.toFixed(1)} ms), ratio ${ratio.toFixed(2)} (target <= 1.0), cpu ratio ${(ec / pc).toFixed(2)}`,
    );
    console.log(
      JSON.stringify({
        model: c.model,
        input: c.input,
        batch,
        replicas: r,
        backend: info.name,
        kernels,
        torch_threads: torchThreads,
        earshot_ms: Number(e.toFixed(1)),
        pytorch_ms: Number(p.toFixed(1)),
        ratio: Number(ratio.toFixed(3)),
        earshot_cpu_ms: Number(ec.toFixed(1)),
        pytorch_cpu_ms: Number(pc.toFixed(1)),
        cpu_ratio: Number((ec / pc).toFixed(3)),
        load1,
      }),
    );
  }
}

if (epoch || epochOnly) {
  for (const copies of epochCopies)
    for (const vtlpDomain of epochVtlp)
      for (const workers of prepWorkers) {
        const e = await measureEpoch({
          data: epochData,
          recipe: "kws12",
          workers,
          steps: epochSteps,
          warmup: epochWarmup,
          copies,
          vtlpDomain,
        });
        const fill = e.fill_s !== undefined ? `, ${copies} copies made in ${e.fill_s} s first` : "";
        console.log(
          `kws12 epoch, warp in the ${e.vtlp_domain}, ${e.prefetch_workers} prefetch worker(s)${workers === "auto" ? " (auto)" : ""}${fill}: loop ${e.loop_ms} ms per batch vs step alone ${e.step_ms} ms, epoch/step ${e.epoch_over_step}, load ${e.load1}`,
        );
        console.log(JSON.stringify({ ...e, backend: info.name }));
      }
}
