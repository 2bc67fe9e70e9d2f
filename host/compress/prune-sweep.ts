/**
 * Seed 003's pruning trade-off as one run: for each mode (L1 structured channel removal, L1
 * unstructured with frozen masks) and sparsity level, plus the unpruned baseline, prune,
 * fine-tune, save the checkpoint, export an int8 device file through `exportFile` (what ships),
 * and measure it: tfjs accuracy after pruning and after fine-tuning, the exported file's integer
 * accuracy, parameters (all and nonzero), file bytes and gzip bytes, MACs (dense and nonzero),
 * FLOPs, arena peak, and integer inference time per clip as a ratio to the baseline.
 *
 * The baseline goes through the same steps at sparsity 0 (it is fine-tuned for the same budget),
 * so every row has had the same training. Runtime is the host integer evaluator (the shared
 * reference kernels the device runs), timed in rounds that interleave every model in rotating
 * order; the ratio is the median over rounds of model time / baseline time in the same round.
 * Dense kernels do not skip zero weights: unstructured sparsity shrinks neither MACs nor time,
 * and its zeros only pay off in a compressed store (the gzip column).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type * as tf from "@tensorflow/tfjs";
import { decodeModel } from "../../shared/model-format/decode";
import type { DeviceModel } from "../../shared/model-format/types";
import { type CompressedMeta, loadModelDir, saveModelDir, withStep } from "./checkpoint";
import { deviceAccuracy } from "./compare";
import { accuracy, type FeatureBatch } from "./data";
import { exportFile } from "./export-file";
import { finetune } from "./finetune";
import { IntEvaluator } from "./int-eval";
import { modelReport } from "./model-report";
import { applyPrecision } from "./precision";
import { pruneStructured, pruneUnstructured } from "./prune";

export type PruneMode = "structured" | "unstructured";

/** One pruning level of one mode: the pruned model and what was removed. */
export interface Pruned {
  model: tf.LayersModel;
  /** Structured: channels removed per conv. */
  removedChannels?: Record<string, number>;
  /** Unstructured: kernel weights zeroed by the masks. */
  zeroedWeights?: number;
}

/** Prunes a checkpoint's model (any precision) at one level; the input model is not changed. */
export function pruneModel(
  model: tf.LayersModel,
  meta: CompressedMeta,
  mode: PruneMode,
  sparsity: number,
): Pruned {
  if (mode === "structured") {
    const r = pruneStructured(model, sparsity);
    return { model: r.model, removedChannels: r.removed };
  }
  const masked = applyPrecision(model, meta.precision ?? "float", {
    ...(meta.precisionOptions ?? {}),
    masked: true,
  });
  return { model: masked, zeroedWeights: pruneUnstructured(masked, sparsity).pruned };
}

/** Size and compute of an exported file, from its per-layer report and its bytes. */
export interface FileStats {
  /** Every constant in the file (weights, bias, multipliers...), dense. */
  params: number;
  /** `params` less the zero entries of conv/depthwise/dense weight tensors. */
  nonzeroParams: number;
  fileBytes: number;
  gzipBytes: number;
  /** MACs the dense kernels execute. */
  macs: number;
  /** MACs with a nonzero weight: per layer, MACs x the layer's nonzero-weight share. */
  nonzeroMacs: number;
  flops: number;
  arenaPeakBytes: number;
}

export function fileStats(dm: DeviceModel, bytes: Uint8Array): FileStats {
  const r = modelReport(dm, bytes.length);
  let zeros = 0;
  let nonzeroMacs = 0;
  for (const l of r.layers) {
    if (l.macs === 0 || l.weights === null) {
      nonzeroMacs += l.macs;
      continue;
    }
    const w = dm.tensors[dm.ops[l.index].inputs[1]].data ?? [];
    const z = w.reduce((n: number, v) => n + (v === 0 ? 1 : 0), 0);
    zeros += z;
    nonzeroMacs += w.length ? Math.round((l.macs * (w.length - z)) / w.length) : l.macs;
  }
  return {
    params: r.totals.params,
    nonzeroParams: r.totals.params - zeros,
    fileBytes: bytes.length,
    gzipBytes: gzipSync(bytes, { level: 9 }).length,
    macs: r.totals.macs,
    nonzeroMacs,
    flops: r.totals.flops,
    arenaPeakBytes: r.totals.arenaPeakBytes,
  };
}

/**
 * Integer inference time per clip of each model on the same clips, in `rounds` rounds; each
 * round runs every model on each clip in turn, clip by clip, starting from a different model
 * each time (so load from other processes falls on all models alike). Returns the median ms
 * per clip of each model and the median of its per-round ratio to model 0.
 */
export function timeModels(
  models: DeviceModel[],
  clips: ArrayLike<number>[],
  rounds: number,
): { msPerClip: number[]; ratio: number[] } {
  const evs = models.map((m) => new IntEvaluator(m));
  for (const ev of evs) for (const c of clips) ev.run(c); // warm-up round, untimed
  const times = models.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    const sum = models.map(() => 0);
    clips.forEach((c, i) => {
      for (let k = 0; k < evs.length; k++) {
        const m = (r + i + k) % evs.length;
        const t0 = performance.now();
        evs[m].run(c);
        sum[m] += performance.now() - t0;
      }
    });
    sum.forEach((s, m) => {
      times[m].push(s / clips.length);
    });
  }
  const median = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  return {
    msPerClip: times.map(median),
    ratio: times.map((t) => median(t.map((v, r) => v / times[0][r]))),
  };
}

export interface SweepRow extends FileStats {
  mode: "baseline" | PruneMode;
  sparsity: number;
  checkpoint: string;
  file: string;
  accuracyPruned: number;
  accuracyFinetuned: number;
  accuracyExported: number;
  removedChannels?: Record<string, number>;
  zeroedWeights?: number;
  msPerClip: number;
  runtimeRatio: number;
}

export interface SweepReport {
  model: string;
  data: string;
  split: string;
  modes: PruneMode[];
  levels: number[];
  finetuneEpochs: number;
  lr: number;
  trainExamples: number;
  testExamples: number;
  /** The checkpoint as given, before any fine-tuning (tfjs, test subset). */
  accuracyBefore: number;
  timing: { rounds: number; clips: number; evaluator: string };
  rows: SweepRow[];
}

export interface SweepOptions {
  /** Checkpoint folder of the model to prune. */
  model: string;
  /** Dataset folder `train` and `test` came from (for the report). */
  data: string;
  out: string;
  modes: PruneMode[];
  levels: number[];
  train: FeatureBatch;
  test: FeatureBatch;
  /** Export calibration: dataset folder, its train subset, `calibCount` clips. */
  calib: string;
  calibCount: number;
  splitMode?: "auto" | "speaker";
  cacheDir?: string | null;
  finetuneEpochs: number;
  lr: number;
  timeRounds: number;
  timeClips: number;
  /** Called as each row is measured (before timing). */
  onRow?: (r: Omit<SweepRow, "msPerClip" | "runtimeRatio">) => void;
}

export async function pruneSweep(o: SweepOptions): Promise<SweepReport> {
  const { model: base, meta } = await loadModelDir(o.model);
  const accuracyBefore = accuracy(base, o.test);
  const jobs: { mode: SweepRow["mode"]; sparsity: number }[] = [{ mode: "baseline", sparsity: 0 }];
  for (const mode of o.modes) for (const sparsity of o.levels) jobs.push({ mode, sparsity });
  const rows: Omit<SweepRow, "msPerClip" | "runtimeRatio">[] = [];
  const files: DeviceModel[] = [];
  for (const job of jobs) {
    const name = job.mode === "baseline" ? "baseline" : `${job.mode}-${job.sparsity}`;
    const p: Pruned =
      job.mode === "baseline"
        ? { model: (await loadModelDir(o.model)).model }
        : pruneModel(base, meta, job.mode, job.sparsity);
    const accuracyPruned = accuracy(p.model, o.test);
    if (o.finetuneEpochs > 0)
      finetune(p.model, o.train, { epochs: o.finetuneEpochs, lr: o.lr, seed: 0 });
    const accuracyFinetuned = accuracy(p.model, o.test);
    const checkpoint = join(o.out, name);
    const step = {
      method: job.mode === "baseline" ? "finetune" : `prune-${job.mode}`,
      sparsity: job.sparsity,
      finetuneEpochs: o.finetuneEpochs,
    };
    await saveModelDir(checkpoint, p.model, withStep(meta, step));
    p.model.dispose();
    const file = join(o.out, `${name}.earshot`);
    await exportFile({
      model: checkpoint,
      out: file,
      calib: o.calib,
      calibCount: o.calibCount,
      splitMode: o.splitMode,
      cacheDir: o.cacheDir,
    });
    const bytes = new Uint8Array(readFileSync(file));
    const dm = decodeModel(Array.from(bytes));
    files.push(dm);
    const row = {
      mode: job.mode,
      sparsity: job.sparsity,
      checkpoint,
      file,
      accuracyPruned,
      accuracyFinetuned,
      accuracyExported: deviceAccuracy(dm, o.test),
      ...fileStats(dm, bytes),
      ...(p.removedChannels ? { removedChannels: p.removedChannels } : {}),
      ...(p.zeroedWeights !== undefined ? { zeroedWeights: p.zeroedWeights } : {}),
    };
    rows.push(row);
    o.onRow?.(row);
  }
  base.dispose();
  const size = o.test.x.shape[1] * o.test.x.shape[2];
  const flat = o.test.x.dataSync();
  const nClips = Math.max(1, Math.min(o.timeClips, o.test.labels.length));
  const clips = Array.from({ length: nClips }, (_, i) => flat.slice(i * size, (i + 1) * size));
  const t = timeModels(files, clips, o.timeRounds);
  return {
    model: o.model,
    data: o.data,
    split: o.splitMode ?? "auto",
    modes: o.modes,
    levels: o.levels,
    finetuneEpochs: o.finetuneEpochs,
    lr: o.lr,
    trainExamples: o.train.labels.length,
    testExamples: o.test.labels.length,
    accuracyBefore,
    timing: {
      rounds: o.timeRounds,
      clips: nClips,
      evaluator: "host integer evaluator, reference kernels",
    },
    rows: rows.map((r, i) => ({ ...r, msPerClip: t.msPerClip[i], runtimeRatio: t.ratio[i] })),
  };
}
