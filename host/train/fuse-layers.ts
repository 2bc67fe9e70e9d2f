/**
 * Training-time layer fusion, for the training step's forward pass on the wasm backend with the
 * native addon:
 * - a Conv2D (ReLU, no bias, stride 1, dilation 1) whose only consumer is an AveragePooling2D
 *   (valid, stride = window) runs as one op (kernels/conv-relu-pool.ts);
 * - a BatchNormalization over the last axis with scale and offset runs as one op with its own
 *   gradient (kernels/batch-norm.ts), its moving averages updated as tfjs-layers does.
 * The model itself is not changed: its layers, weights, checkpoints and exports stay as built;
 * only while `withFusedLayers` runs do these layers compute through the fused ops (the conv
 * layer returning the pooled output, the pooling layer passing it through). The math is the
 * same to float rounding.
 */
import * as tfc from "@tensorflow/tfjs";
import { batchNormTrain, fusedBatchNormAvailable } from "./kernels/batch-norm";
import { type ConvReluPoolAttrs, convReluPool } from "./kernels/conv-relu-pool";

/** A conv layer and the pooling layer it alone feeds. */
export interface FusedPair {
  conv: tfc.layers.Layer;
  pool: tfc.layers.Layer;
  attrs: ConvReluPoolAttrs;
}

type LayerCall = (
  inputs: tfc.Tensor | tfc.Tensor[],
  kwargs: Record<string, unknown>,
) => tfc.Tensor | tfc.Tensor[];

const same = (a: unknown, n: number): boolean =>
  (Array.isArray(a) ? a : [a, a]).every((v) => v === n);

/** The conv + ReLU + pool pairs of a model that the fused op can stand for. */
export function convReluPoolPairs(model: tfc.LayersModel): FusedPair[] {
  const pairs: FusedPair[] = [];
  for (const conv of model.layers) {
    if (conv.getClassName() !== "Conv2D") continue;
    const c = conv.getConfig() as Record<string, unknown>;
    if (
      c.activation !== "relu" ||
      c.useBias !== false ||
      !same(c.strides, 1) ||
      !same(c.dilationRate, 1) ||
      (c.dataFormat ?? "channelsLast") !== "channelsLast" ||
      (c.padding !== "same" && c.padding !== "valid") ||
      conv.inboundNodes.length !== 1 ||
      conv.outboundNodes.length !== 1
    )
      continue;
    const pool = conv.outboundNodes[0].outboundLayer;
    if (pool.getClassName() !== "AveragePooling2D" || pool.inboundNodes.length !== 1) continue;
    const p = pool.getConfig() as Record<string, unknown>;
    const size = p.poolSize as [number, number];
    const strides = (p.strides ?? size) as [number, number];
    if (
      p.padding !== "valid" ||
      (p.dataFormat ?? "channelsLast") !== "channelsLast" ||
      strides[0] !== size[0] ||
      strides[1] !== size[1]
    )
      continue;
    pairs.push({ conv, pool, attrs: { padding: c.padding, pool: [size[0], size[1]] } });
  }
  return pairs;
}

/** What a model's training step computes through fused ops. */
export interface FusionPlan {
  convPools: FusedPair[];
  /** Batch norms over the last axis, with scale and offset. */
  norms: tfc.layers.Layer[];
}

/** Batch-norm layers the fused op can stand for. */
export function batchNormLayers(model: tfc.LayersModel): tfc.layers.Layer[] {
  return model.layers.filter((l) => {
    if (l.getClassName() !== "BatchNormalization") return false;
    const c = l.getConfig() as Record<string, unknown>;
    const shape = l.inboundNodes[0]?.inputTensors[0]?.shape;
    const axis = c.axis as number;
    return (
      c.center === true &&
      c.scale === true &&
      shape !== undefined &&
      (axis === -1 || axis === shape.length - 1)
    );
  });
}

/**
 * The layers of a model that fused ops can stand for. Each call checks that its op can run
 * there and then (wasm backend, native kernels on), else runs the layer's own ops.
 */
export function fusionPlan(model: tfc.LayersModel): FusionPlan {
  return { convPools: convReluPoolPairs(model), norms: batchNormLayers(model) };
}

interface NormLayer {
  gamma: { read(): tfc.Tensor };
  beta: { read(): tfc.Tensor };
  movingMean: { read(): tfc.Tensor; write(t: tfc.Tensor): void };
  movingVariance: { read(): tfc.Tensor; write(t: tfc.Tensor): void };
  momentum: number;
  epsilon: number;
}

/** tfjs-layers' moving average: v − (v − value)(1 − momentum). */
function movingAverage(v: NormLayer["movingMean"], value: tfc.Tensor, momentum: number): void {
  tfc.tidy(() => {
    const orig = v.read();
    v.write(tfc.sub(orig, tfc.mul(tfc.sub(orig, value), 1 - momentum)));
  });
}

/** Runs fn (a forward pass of the model) with the plan's layers computed by the fused ops. */
export function withFusedLayers<T>(plan: FusionPlan, fn: () => T): T {
  if (plan.convPools.length === 0 && plan.norms.length === 0) return fn();
  for (const layer of plan.norms) {
    const n = layer as unknown as NormLayer;
    const own = Object.getPrototypeOf(layer).call as LayerCall;
    (layer as unknown as { call: LayerCall }).call = (inputs, kwargs) => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tfc.Tensor;
      // Whether the fused op can run is asked per call: the native kernels can be switched off.
      if (kwargs?.training !== true || !fusedBatchNormAvailable(x.shape[x.rank - 1]))
        return own.call(layer, inputs, kwargs);
      return tfc.tidy(() => {
        const [y, mean, variance] = batchNormTrain(x, n.gamma.read(), n.beta.read(), n.epsilon);
        movingAverage(n.movingMean, mean, n.momentum);
        movingAverage(n.movingVariance, variance, n.momentum);
        return y;
      });
    };
  }
  const patched = plan.convPools;
  for (const { conv, pool, attrs } of patched) {
    const kernel = (conv as unknown as { kernel: { read(): tfc.Tensor4D } }).kernel;
    // Inference keeps tfjs' own ops (the pair is patched together, so both must agree).
    const convCall = Object.getPrototypeOf(conv).call as LayerCall;
    const poolCall = Object.getPrototypeOf(pool).call as LayerCall;
    (conv as unknown as { call: LayerCall }).call = (inputs, kwargs) =>
      kwargs?.training !== true
        ? convCall.call(conv, inputs, kwargs)
        : convReluPool(
            (Array.isArray(inputs) ? inputs[0] : inputs) as tfc.Tensor4D,
            kernel.read(),
            attrs,
          );
    (pool as unknown as { call: LayerCall }).call = (inputs, kwargs) =>
      kwargs?.training !== true
        ? poolCall.call(pool, inputs, kwargs)
        : Array.isArray(inputs)
          ? inputs[0]
          : inputs;
  }
  try {
    return fn();
  } finally {
    // Deleting the own properties brings back the class's call.
    for (const { conv, pool } of patched) {
      delete (conv as unknown as { call?: LayerCall }).call;
      delete (pool as unknown as { call?: LayerCall }).call;
    }
    for (const layer of plan.norms) delete (layer as unknown as { call?: LayerCall }).call;
  }
}
