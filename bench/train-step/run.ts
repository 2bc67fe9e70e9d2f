/**
 * bench/train-step: milliseconds per res8-narrow training step (batch 64, 98x40x1 input, Adam)
 * for earshot (TensorFlow.js on the backend loadBackend picks) and, in the same run, for the
 * same architecture in PyTorch (Debian python3-torch, 2 threads by default). Prints both and the
 * ratio, then one JSON line {"earshot_ms":…,"pytorch_ms":…,"ratio":…}.
 *
 *   npm run bench:train-step            # STEPS=10 TORCH_THREADS=2 by default
 */
import { execFileSync, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { buildRes8 } from "../../host/models/res8";
import { loadBackend } from "../../host/train/backend";
import { makeTrainStep } from "../../host/train/step";

const here = dirname(fileURLToPath(import.meta.url));
const steps = Number(process.env.STEPS ?? 10);
const torchThreads = Number(process.env.TORCH_THREADS ?? 2);
const PYTHON = "/usr/bin/python3";

async function earshotMs(): Promise<number> {
  const info = await loadBackend();
  console.log(
    `earshot backend: ${info.name}${info.simd ? " +simd" : ""}${info.threads ? " +threads" : ""}`,
  );
  const model = buildRes8(tf, { inputShape: [98, 40, 1], numClasses: 12 });
  const step = makeTrainStep(model, tf.train.adam(1e-3));
  const x = tf.randomNormal([64, 98, 40, 1]);
  const y = tf.randomUniform([64], 0, 12, "int32").cast("int32") as tf.Tensor1D;
  for (let i = 0; i < 3; i++) step(x, y);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step(x, y);
  return (performance.now() - t0) / steps;
}

function hasTorch(): boolean {
  return spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;
}

function pytorchMs(): number {
  if (!hasTorch()) {
    console.log("installing python3-torch (Debian) ...");
    execFileSync("flock", ["/tmp/earshot-apt.lock", "apt-get", "install", "-y", "python3-torch"], {
      stdio: "inherit",
    });
  }
  const out = execFileSync(
    PYTHON,
    [join(here, "res8_torch.py"), String(torchThreads), String(steps)],
    { encoding: "utf8" },
  );
  const line = out.trim().split("\n").at(-1) as string;
  return (JSON.parse(line) as { pytorch_ms: number }).pytorch_ms;
}

const earshot = await earshotMs();
console.log(`earshot (tfjs) : ${earshot.toFixed(1)} ms/step`);
const torch = pytorchMs();
console.log(`pytorch (${torchThreads} thr): ${torch.toFixed(1)} ms/step`);
const ratio = earshot / torch;
console.log(`ratio earshot/pytorch: ${ratio.toFixed(2)} (target <= 1.0)`);
console.log(
  JSON.stringify({
    earshot_ms: Number(earshot.toFixed(1)),
    pytorch_ms: Number(torch.toFixed(1)),
    ratio: Number(ratio.toFixed(3)),
  }),
);
