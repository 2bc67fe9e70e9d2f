/**
 * Pruning (seed 003, after PyTorch's torch.nn.utils.prune).
 *
 * Unstructured: per layer, the `sparsity` fraction of kernel weights with the smallest |w| (L1)
 * are zeroed through a frozen mask (a non-trainable `kernel_mask` weight of the quantized layer,
 * applied in the forward pass), so fine-tuning cannot revive them.
 *
 * Structured: per prunable conv, the `sparsity` fraction of output channels with the smallest
 * L1 norm are removed physically: the conv loses those filters, and the channels are sliced out
 * of what follows them (batch norm, depthwise convs, pools) up to and including the input of
 * the next conv or dense (through a flatten: every flattened position of the channel). A conv
 * is prunable when that path reaches no add, concatenation or model output (residual channels
 * must keep matching).
 */
import * as tf from "@tensorflow/tfjs";
import { cloneLayer } from "./precision";
import { isQuantLayer, QConv2D, QDense, QDepthwiseConv2D } from "./qlayers";

type L = tf.layers.Layer;
type Sym = tf.SymbolicTensor;

const PASS = new Set([
  "ReLU",
  "Dropout",
  "AveragePooling2D",
  "Cropping2D",
  "MaxPooling2D",
  "GlobalAveragePooling2D",
  "Activation",
]);
const CONV = new Set(["Conv2D", QConv2D.className]);
const DW = new Set(["DepthwiseConv2D", QDepthwiseConv2D.className]);
const DENSE = new Set(["Dense", QDense.className]);

function consumersOf(model: tf.LayersModel): Map<string, L[]> {
  const m = new Map<string, L[]>();
  for (const l of model.layers)
    for (const n of l.inboundNodes)
      for (const s of n.inboundLayers) m.set(s.name, [...(m.get(s.name) ?? []), l as L]);
  return m;
}

/** Convs whose output channels can be removed without touching a residual add. */
export function prunableConvs(model: tf.LayersModel): string[] {
  const cons = consumersOf(model);
  const outputs = new Set(model.outputs.map((o) => o.sourceLayer.name));
  const ok = (l: L): boolean => {
    if (outputs.has(l.name)) return false;
    const next = cons.get(l.name) ?? [];
    if (next.length === 0) return false;
    return next.every((c) => {
      const k = c.getClassName();
      if (CONV.has(k) || DENSE.has(k)) return true;
      if (k === "BatchNormalization" || PASS.has(k) || DW.has(k) || k === "Flatten") return ok(c);
      return false;
    });
  };
  return model.layers.filter((l) => CONV.has(l.getClassName()) && ok(l as L)).map((l) => l.name);
}

function kernelOf(l: L): tf.Tensor {
  return l.getWeights()[0];
}

/** Output channels of a conv to keep: the (1 - sparsity) share with the largest L1 norms, in order. */
export function channelsToKeep(kernel: tf.Tensor, sparsity: number): number[] {
  const outC = kernel.shape[kernel.shape.length - 1];
  const norms = tf.tidy(() => Array.from(tf.sum(tf.abs(kernel), [0, 1, 2]).dataSync()));
  const drop = Math.min(outC - 1, Math.floor(sparsity * outC));
  const order = norms.map((n, c) => [n, c]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const dropped = new Set(order.slice(0, drop).map((p) => p[1]));
  return norms.map((_, c) => c).filter((c) => !dropped.has(c));
}

/** Structured pruning driven by an explicit choice of kept channels per conv (the core of it). */
export function removeChannels(
  model: tf.LayersModel,
  keepByConv: Map<string, number[]>,
): tf.LayersModel {
  const out = new Map<string, Sym>();
  /** Kept channels of a layer's output (undefined: all) and the channel count before pruning. */
  const keep = new Map<string, { idx: number[]; origC: number }>();
  const inputs: Sym[] = [];
  const weightsFor: [L, tf.Tensor[]][] = [];
  for (const layer of model.layers) {
    const k = layer.getClassName();
    if (k === "InputLayer") {
      const inp = tf.input({
        shape: (layer.batchInputShape as number[]).slice(1),
        name: layer.name,
      });
      out.set(layer.name, inp);
      inputs.push(inp);
      continue;
    }
    const srcs = layer.inboundNodes[0].inboundLayers as L[];
    const inKeep = keep.get(srcs[0].name);
    const w = layer.getWeights();
    let config = layer.getConfig() as Record<string, unknown>;
    let weights = w;
    let outKeep = inKeep;
    const axisSlice = (t: tf.Tensor, axis: number, idx: number[]) =>
      tf.gather(t, tf.tensor1d(idx, "int32"), axis);
    if (CONV.has(k)) {
      let kernel = w[0];
      if (inKeep) kernel = axisSlice(kernel, 2, inKeep.idx);
      const mine = keepByConv.get(layer.name);
      const rest = w.slice(1);
      if (mine) {
        kernel = axisSlice(kernel, 3, mine);
        const bias =
          (config.useBias as boolean) !== false && rest.length > 0 && rest[0].shape.length === 1
            ? [axisSlice(rest[0], 0, mine)]
            : [];
        weights = [kernel, ...bias, ...rest.slice(bias.length)];
        config = { ...config, filters: mine.length };
        outKeep = { idx: mine, origC: w[0].shape[3] as number };
      } else {
        weights = [kernel, ...rest];
        outKeep = undefined;
      }
    } else if (DW.has(k)) {
      if (inKeep) {
        const bias =
          (config.useBias as boolean) !== false && w.length > 1
            ? [axisSlice(w[1], 0, inKeep.idx)]
            : [];
        weights = [axisSlice(w[0], 2, inKeep.idx), ...bias, ...w.slice(1 + bias.length)];
      }
    } else if (k === "BatchNormalization") {
      if (inKeep) weights = w.map((t) => axisSlice(t, 0, inKeep.idx));
    } else if (DENSE.has(k)) {
      if (inKeep) {
        const inN = w[0].shape[0];
        const kept = new Set(inKeep.idx);
        const rows: number[] = [];
        for (let i = 0; i < inN; i++) if (kept.has(i % inKeep.origC)) rows.push(i);
        weights = [axisSlice(w[0], 0, rows), ...w.slice(1)];
      }
      outKeep = undefined;
    } else if (k === "Flatten" || PASS.has(k)) {
      // channels pass through
    } else if (srcs.some((s) => keep.has(s.name))) {
      throw new Error(`${layer.name} (${k}) cannot take pruned channels`);
    }
    const fresh = cloneLayerWithConfig(layer, config);
    const ins = srcs.map((s) => out.get(s.name) as Sym);
    out.set(layer.name, fresh.apply(ins.length === 1 ? ins[0] : ins) as Sym);
    if (outKeep) keep.set(layer.name, outKeep);
    weightsFor.push([fresh, weights]);
  }
  const m = tf.model({
    inputs,
    outputs: model.outputs.map((o) => out.get(o.sourceLayer.name) as Sym),
    name: model.name,
  });
  for (const [l, ws] of weightsFor) if (ws.length) l.setWeights(ws);
  return m;
}

function cloneLayerWithConfig(l: L, config: Record<string, unknown>): L {
  if (config === l.getConfig()) return cloneLayer(l);
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[l.getClassName()];
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config as tf.serialization.ConfigDict) as unknown as L;
}

/** L1 structured channel pruning of every prunable conv at `sparsity` (0..1). */
export function pruneStructured(
  model: tf.LayersModel,
  sparsity: number,
): { model: tf.LayersModel; removed: Record<string, number> } {
  const keepBy = new Map<string, number[]>();
  const removed: Record<string, number> = {};
  for (const name of prunableConvs(model)) {
    const l = model.getLayer(name) as L;
    const kernel = isQuantLayer(l) ? l.kernel.read() : kernelOf(l);
    const idx = channelsToKeep(kernel, sparsity);
    const outC = kernel.shape[3] as number;
    if (idx.length < outC) {
      keepBy.set(name, idx);
      removed[name] = outC - idx.length;
    }
  }
  return { model: removeChannels(model, keepBy), removed };
}

/** Per-layer L1 unstructured masks: 1 keeps a weight, 0 prunes it. */
export function l1Mask(kernel: tf.Tensor, sparsity: number): tf.Tensor {
  return tf.tidy(() => {
    const a = tf.abs(kernel).dataSync();
    const n = a.length;
    const k = Math.floor(sparsity * n);
    if (k <= 0) return tf.onesLike(kernel);
    const order = Array.from(a, (v, i) => [v, i]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const m = new Float32Array(n).fill(1);
    for (let i = 0; i < k; i++) m[order[i][1]] = 0;
    return tf.tensor(m, kernel.shape);
  });
}

/**
 * Unstructured pruning of a model whose conv/dense layers are quantized layers (apply
 * `applyPrecision(model, "float")` first for a float model): sets each layer's frozen mask.
 */
export function pruneUnstructured(
  model: tf.LayersModel,
  sparsity: number,
): { pruned: number; total: number } {
  let pruned = 0;
  let total = 0;
  for (const l of model.layers) {
    if (!isQuantLayer(l)) continue;
    if (!l.kernelMask)
      throw new Error(
        `${l.name}: built without a kernel mask (applyPrecision with { masked: true })`,
      );
    const mask = l1Mask(l.kernel.read(), sparsity);
    l.kernelMask.write(mask);
    const z = mask.size - tf.sum(mask).dataSync()[0];
    pruned += z;
    total += mask.size;
  }
  return { pruned, total };
}
