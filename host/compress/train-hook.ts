/**
 * The training-side hook for compression: what `earshot train --precision P [--from DIR]` does
 * to the model the trainer built, and the extra loss term it must add.
 *
 *   train(config, { model: precisionHook({ precision, from }) }) wires these into the loop:
 *   const model = await precisionModel(built, { precision, from });   // after building
 *   loss = crossEntropy + precisionLoss(model)                         // inside the step
 *   meta = { ...meta, ...precisionMeta(opts) }                         // saved checkpoints
 *   checkpoints load back with compress/checkpoint.ts loadModelDir (topology-based)
 *
 * - from: the float (or any earlier) checkpoint whose weights start the run (seed 000 fine-tunes
 *   res8-q from the float model for 15 epochs); copied by layer name.
 * - int5/int4 from scratch: seed 002's target-distribution initialisation, N(0, sigma_t^2) for
 *   every tanh-quantized kernel; precisionLoss adds lambdaSigma (sigma_w - sigma_t)^2 +
 *   lambdaMu mu_w^2 per such kernel.
 * - binary: larq-style latent weights; seed 000 trains binary nets with lr 1e-2 (binaryLr).
 */
import * as tf from "@tensorflow/tfjs";
import { readMeta } from "../train/checkpoint";
import type { ModelHook } from "../train/loop";
import { type CompressedMeta, loadModelDir } from "./checkpoint";
import { CompressError } from "./errors";
import { applyPrecision, copyWeights, type Precision, type PrecisionOptions } from "./precision";
import { isQuantLayer } from "./qlayers";
import { targetDistributionPenalty } from "./regularizers";

export interface PrecisionTrainOptions {
  precision: Precision;
  from?: string;
  options?: PrecisionOptions;
}

/** Seed 000: binary nets start at lr 1e-2, others at 1e-3. */
export function startLr(precision: Precision): number {
  return precision === "binary" ? 1e-2 : 1e-3;
}

/** Copies weights layer by layer (same names) from `src` into `dst`; returns the layers copied. */
export function copyWeightsByName(src: tf.LayersModel, dst: tf.LayersModel): string[] {
  const byName = new Map(src.layers.map((l) => [l.name, l]));
  const copied: string[] = [];
  for (const l of dst.layers) {
    const s = byName.get(l.name);
    if (!s || s.getWeights().length === 0) continue;
    copyWeights(s, l);
    copied.push(l.name);
  }
  return copied;
}

export async function precisionModel(
  built: tf.LayersModel,
  o: PrecisionTrainOptions,
): Promise<tf.LayersModel> {
  const options = effectiveOptions(o);
  if (o.from) {
    const { model: src } = await loadModelDir(o.from);
    const copied = copyWeightsByName(src, built);
    if (copied.length === 0)
      throw new CompressError(`${o.from}: no layer names in common with the model being trained`);
  }
  const m = applyPrecision(built, o.precision, options);
  if (!o.from && (o.precision === "int5" || o.precision === "int4")) targetInit(m);
  return m;
}

/**
 * Seed 002's two stages from the command line: `--precision int4` trains stage 1 (tanh weights);
 * `--precision int4 --from <that run>/best` (a stage-1 checkpoint of the same precision) trains
 * stage 2: linear 8-bit bias and quantized batch norm with C_BN on top.
 */
export function effectiveOptions(o: PrecisionTrainOptions): PrecisionOptions | undefined {
  if (!o.from || (o.precision !== "int5" && o.precision !== "int4")) return o.options;
  const meta = readMeta(o.from) as CompressedMeta;
  if (meta.precision === o.precision && !meta.precisionOptions?.stage2)
    return { ...o.options, stage2: {} };
  return o.options;
}

/** Re-draws every tanh-quantized kernel from its target distribution N(0, sigma_t^2). */
export function targetInit(model: tf.LayersModel, seed = 0): void {
  let s = seed;
  for (const l of model.layers) {
    if (!isQuantLayer(l) || !l.args.kernelTarget) continue;
    const shape = l.kernel.shape as number[];
    l.kernel.write(tf.randomNormal(shape, 0, l.args.kernelTarget.sigmaT, "float32", ++s));
  }
}

/** Sum of the target-distribution penalties (0 when no layer has one). */
export function precisionLoss(model: tf.LayersModel): tf.Scalar {
  return tf.tidy(() => {
    let total = tf.scalar(0);
    for (const l of model.layers) {
      if (isQuantLayer(l) && l.args.kernelTarget)
        total = tf.add(total, targetDistributionPenalty(l.kernel.read(), l.args.kernelTarget));
    }
    return total;
  });
}

export function precisionMeta(
  o: PrecisionTrainOptions,
): Pick<CompressedMeta, "precision" | "precisionOptions" | "compression"> {
  return {
    precision: o.precision,
    precisionOptions: effectiveOptions(o),
    compression: [
      {
        method: o.precision === "float" ? "float" : o.precision === "binary" ? "binary" : "qat",
        from: o.from ?? null,
      },
    ],
  };
}

/** The training loop's hook for `earshot train --precision P [--from DIR]`. */
export function precisionHook(o: PrecisionTrainOptions): ModelHook {
  return {
    prepare: (built) => precisionModel(built, o),
    loss: precisionLoss,
    meta: () => precisionMeta(o),
  };
}
