/**
 * `applyPrecision(model, precision)`: rebuilds a functional model with every Conv2D,
 * DepthwiseConv2D and Dense (float or already quantized) replaced by its quantized twin from
 * qlayers.ts, carrying the trained weights over by layer name. This is the hook the training
 * loop calls for QAT / binary training, `--from DIR` fine-tuning, and PTQ.
 *
 * Precisions:
 * - float: plain quantized layers without quantizers (numerically the float model).
 * - int8: per-channel symmetric 8-bit weights, asymmetric 8-bit inputs (EMA ranges).
 * - int5, int4: seed 002 stage 1 — tanh-squashed weights linearly quantized at 5 / 4 bits, with
 *   the target-distribution regulariser; 8-bit activations (stage 2 is `secondStage`).
 * - binary: ste_sign weights and inputs (larq); the first layer (fed by the features) and the
 *   last (the classifier) are int8 or binary per `firstLayer` / `lastLayer` (default int8).
 * - int2..int8 via `{ weightBits }` for PTQ sweeps (linear per-channel weights).
 */
import * as tf from "@tensorflow/tfjs";
import { CompressError } from "./errors";
import { QBatchNorm } from "./qbatchnorm";
import { isQuantLayer, QConv2D, QDense, QDepthwiseConv2D, type QLayerArgs } from "./qlayers";
import type { QuantizerConfig } from "./quantizers";
import { TANH_TARGET_DEFAULT, type TargetDistributionConfig } from "./regularizers";

export const PRECISIONS = ["float", "int8", "int5", "int4", "binary"] as const;
export type Precision = (typeof PRECISIONS)[number];

export interface PrecisionOptions {
  /** Binary nets: precision of the first and last quantized layers. */
  firstLayer?: "int8" | "binary";
  lastLayer?: "int8" | "binary";
  /** Activation bits for integer precisions (8 or 16). */
  actBits?: number;
  /** Linear per-channel weights at this width instead of the precision's scheme (PTQ sweeps). */
  weightBits?: number;
  /** Seed 002 target distribution for tanh weights. */
  tanhTarget?: TargetDistributionConfig;
  /**
   * Seed 002 stage 2 (after stage 1 trained the tanh weights): 8-bit linear bias and batch norm
   * with quantized parameters and the C_BN scale (qbatchnorm.ts).
   */
  stage2?: { bits?: number; cBn?: number };
  /** Give every quantized layer a frozen pruning mask (unstructured pruning). */
  masked?: boolean;
  /** XNOR-style per-channel scaling of binary weights. */
  binaryScaling?: boolean;
  /**
   * Binary nets: further layers, by name, kept at int8 like the first and last, e.g. res8-bin's
   * downsampling conv (Bethge et al.: binarizing the downsampling loses the most information).
   */
  int8Layers?: string[];
}

export interface LayerQuant {
  kernelQuantizer: QuantizerConfig | null;
  inputQuantizer: QuantizerConfig | null;
  kernelTarget: TargetDistributionConfig | null;
}

export function isPrecision(p: string): p is Precision {
  return (PRECISIONS as readonly string[]).includes(p);
}

/** The quantizers one layer gets under a precision. */
export function layerQuant(
  precision: Precision,
  position: "first" | "middle" | "last",
  o: PrecisionOptions = {},
): LayerQuant {
  const act: QuantizerConfig = { kind: "act", bits: o.actBits ?? 8 };
  const int8: LayerQuant = {
    kernelQuantizer: { kind: "weight", bits: 8 },
    inputQuantizer: act,
    kernelTarget: null,
  };
  if (o.weightBits !== undefined) {
    return {
      kernelQuantizer: { kind: "weight", bits: o.weightBits },
      inputQuantizer: act,
      kernelTarget: null,
    };
  }
  switch (precision) {
    case "float":
      return { kernelQuantizer: null, inputQuantizer: null, kernelTarget: null };
    case "int8":
      return int8;
    case "int5":
    case "int4":
      return {
        kernelQuantizer: { kind: "tanh", bits: precision === "int5" ? 5 : 4 },
        inputQuantizer: act,
        kernelTarget: o.tanhTarget ?? TANH_TARGET_DEFAULT,
      };
    case "binary": {
      const edge =
        position === "first" ? o.firstLayer : position === "last" ? o.lastLayer : "binary";
      if (position !== "middle" && (edge ?? "int8") === "int8") return int8;
      return {
        kernelQuantizer: { kind: "ste_sign", scaled: o.binaryScaling ?? false },
        // The first layer's input is the feature map: binarizing it would discard it.
        inputQuantizer: position === "first" ? act : { kind: "ste_sign" },
        kernelTarget: null,
      };
    }
  }
}

type Sym = tf.SymbolicTensor;

function layerClass(
  className: string,
): [
  tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
  tf.serialization.FromConfigMethod<tf.serialization.Serializable>,
] {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (!entry) throw new Error(`layer class ${className} is not registered`);
  return entry;
}

/** A fresh copy of a layer from its config (same class, same name). */
export function cloneLayer(l: tf.layers.Layer): tf.layers.Layer {
  const [cls, fromConfig] = layerClass(l.getClassName());
  return fromConfig(cls, l.getConfig()) as unknown as tf.layers.Layer;
}

const QUANTIZABLE = new Set([
  "Conv2D",
  "DepthwiseConv2D",
  "Dense",
  QConv2D.className,
  QDepthwiseConv2D.className,
  QDense.className,
]);

function quantArgs(
  l: tf.layers.Layer,
  q: LayerQuant,
): { cls: "conv" | "dw" | "dense"; args: QLayerArgs } {
  const c = l.getConfig() as Record<string, unknown>;
  const cn = l.getClassName();
  const activation = c.activation === "relu" ? "relu" : "linear";
  const base: QLayerArgs = {
    name: l.name,
    useBias: c.useBias as boolean,
    activation,
    kernelQuantizer: q.kernelQuantizer,
    inputQuantizer: q.inputQuantizer,
    kernelTarget: q.kernelTarget,
  };
  if (cn === "Dense" || cn === QDense.className)
    return { cls: "dense", args: { ...base, units: c.units as number } };
  const conv = {
    ...base,
    kernelSize: c.kernelSize as [number, number],
    strides: c.strides as [number, number],
    padding: c.padding as "same" | "valid",
  };
  if (cn === "DepthwiseConv2D" || cn === QDepthwiseConv2D.className)
    return { cls: "dw", args: { ...conv, depthMultiplier: (c.depthMultiplier as number) ?? 1 } };
  return { cls: "conv", args: { ...conv, filters: c.filters as number } };
}

/** Quantizable layers in topological order; first = fed by the model input, last = the output. */
function positions(model: tf.LayersModel): Map<string, "first" | "middle" | "last"> {
  const qs = model.layers.filter((l) => QUANTIZABLE.has(l.getClassName()));
  const pos = new Map<string, "first" | "middle" | "last">();
  for (const [i, l] of qs.entries()) {
    pos.set(l.name, i === 0 ? "first" : i === qs.length - 1 ? "last" : "middle");
  }
  return pos;
}

/**
 * Rebuilds `model` with quantized layers for `precision`, copying weights (kernels, biases, BN
 * statistics, input ranges when both sides have them). Single-output layers only (all of the zoo).
 */
export function applyPrecision(
  model: tf.LayersModel,
  precision: Precision,
  opts: PrecisionOptions = {},
): tf.LayersModel {
  const pos = positions(model);
  const unknown = (opts.int8Layers ?? []).filter((n) => !pos.has(n));
  if (unknown.length > 0)
    throw new CompressError(
      `int8 layers ${unknown.join(", ")}: no such quantizable layer (have ${[...pos.keys()].join(", ")})`,
    );
  const out = new Map<string, Sym>();
  const inputs: Sym[] = [];
  const copies: [tf.layers.Layer, tf.layers.Layer][] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === "InputLayer") {
      const inp = tf.input({
        shape: (layer.batchInputShape as number[]).slice(1),
        name: layer.name,
      });
      out.set(layer.name, inp);
      inputs.push(inp);
      continue;
    }
    const node = layer.inboundNodes[0];
    const ins = node.inboundLayers.map((l) => out.get(l.name) as Sym);
    let fresh: tf.layers.Layer;
    const p = pos.get(layer.name);
    if (p) {
      const kept = precision === "binary" && opts.int8Layers?.includes(layer.name);
      const { cls, args } = quantArgs(layer, layerQuant(kept ? "int8" : precision, p, opts));
      args.masked = opts.masked || (isQuantLayer(layer) && layer.kernelMask !== null);
      if (opts.stage2) args.biasQuantizer = { kind: "linear", bits: opts.stage2.bits ?? 8 };
      fresh =
        cls === "conv"
          ? new QConv2D(args)
          : cls === "dw"
            ? new QDepthwiseConv2D(args)
            : new QDense(args);
    } else if (
      opts.stage2 &&
      /^(BatchNormalization|EarshotQBatchNorm)$/.test(layer.getClassName())
    ) {
      const c = layer.getConfig() as { epsilon?: number; momentum?: number };
      fresh = new QBatchNorm({
        name: layer.name,
        epsilon: c.epsilon,
        momentum: c.momentum,
        bits: opts.stage2.bits,
        cBn: opts.stage2.cBn,
      });
    } else {
      fresh = cloneLayer(layer);
    }
    out.set(layer.name, fresh.apply(ins.length === 1 ? ins[0] : ins) as Sym);
    copies.push([layer, fresh]);
  }
  const outputs = model.outputs.map((o) => out.get(o.sourceLayer.name) as Sym);
  const m = tf.model({ inputs, outputs, name: model.name });
  for (const [from, to] of copies) copyWeights(from, to);
  return m;
}

/** Short weight name: "conv1/kernel" -> "kernel"; a depthwise kernel counts as "kernel". */
function shortName(w: tf.LayerVariable): string {
  const n = w.originalName.split("/").pop() as string;
  return n.replace(/_\d+$/, "") === "depthwise_kernel" ? "kernel" : n.replace(/_\d+$/, "");
}

/**
 * Copies weights between twins by weight name (kernel, bias, input_min/max, kernel_mask, BN
 * statistics); weights the source lacks keep their initial values.
 */
export function copyWeights(from: tf.layers.Layer, to: tf.layers.Layer): void {
  const src = new Map(from.weights.map((w) => [shortName(w), w.read()]));
  if (src.size === 0) return;
  const values = to.weights.map((w) => src.get(shortName(w)) ?? w.read());
  if (!isQuantLayer(from) && !isQuantLayer(to) && from.weights.length !== to.weights.length)
    throw new Error(`${from.name}: ${from.weights.length} weights vs ${to.weights.length}`);
  if (to.weights.length > 0 && !src.has(shortName(to.weights[0])))
    throw new Error(`${from.name}: no ${shortName(to.weights[0])} to copy into ${to.name}`);
  to.setWeights(values);
}
