/**
 * The host's integer evaluator: runs a DeviceModel on float features with the shared kernels,
 * exactly as the device does (same prepare step, same dispatch, same kernels), and returns every
 * layer's output for golden vectors plus the final scores.
 */
import { runOp } from "../../shared/kernels/dispatch";
import { referenceKernels } from "../../shared/kernels/reference";
import type { Kernels } from "../../shared/kernels/types";
import { numel, storedCount } from "../../shared/model-format/layout";
import { outputScale, softmaxOutput } from "../../shared/model-format/output-scale";
import { opName, type PreparedOp, prepareModel } from "../../shared/model-format/prepare";
import type { DeviceModel, DeviceTensor } from "../../shared/model-format/types";
import { DT_BIN } from "../../shared/model-format/types";
import { CompressError } from "./errors";

export interface LayerOutput {
  /** Op index in the model. */
  op: number;
  opName: string;
  tensor: number;
  tensorName: string;
  shape: number[];
  /** Raw stored values: integers, or packed int32 words for binary tensors. */
  values: number[];
}

export interface IntEvalResult {
  /** One entry per op, in execution order (empty unless `keepLayers`). */
  layers: LayerOutput[];
  /** Raw values of the graph output tensor. */
  output: number[];
  /** Output dequantized: probabilities for a softmax output, real logits otherwise. */
  scores: number[];
}

/** Real values of an integer tensor: (q - zeroPoint) * scale (Q15 for softmax int32 outputs). */
export function dequantize(t: DeviceTensor, values: number[]): number[] {
  const scale = t.scales.length > 0 ? t.scales[0] : 1;
  return values.map((v) => (v - t.zeroPoint) * scale);
}

export class IntEvaluator {
  readonly prepared: PreparedOp[];
  private readonly values: number[][];

  constructor(
    readonly model: DeviceModel,
    private readonly kernels: Kernels = referenceKernels,
  ) {
    this.prepared = prepareModel(model);
    this.values = model.tensors.map((t) =>
      t.data !== null ? t.data : new Array<number>(storedCount(t.dtype, t.shape)).fill(0),
    );
  }

  /** Number of float features the input expects ([frames, coeffs, ...] flattened row-major). */
  inputSize(): number {
    return numel(this.model.tensors[this.model.input].shape);
  }

  run(features: ArrayLike<number>, keepLayers = false): IntEvalResult {
    const n = this.inputSize();
    if (features.length !== n) {
      throw new CompressError(`model expects ${n} input features, got ${features.length}`);
    }
    const input = this.values[this.model.input];
    for (let i = 0; i < n; i++) input[i] = features[i];
    const layers: LayerOutput[] = [];
    for (const p of this.prepared) {
      runOp(this.kernels, p, this.values);
      if (keepLayers) {
        const t = this.model.tensors[p.outputs[0]];
        layers.push({
          op: p.index,
          opName: opName(p.code),
          tensor: p.outputs[0],
          tensorName: t.name,
          shape: t.shape.slice(),
          values: this.values[p.outputs[0]].slice(),
        });
      }
    }
    const outT = this.model.tensors[this.model.output];
    const output = this.values[this.model.output].slice();
    let scores: number[];
    if (outT.dtype === DT_BIN) scores = output.map((v) => v);
    else if (softmaxOutput(this.model)) {
      const scale = outputScale(this.model);
      scores = output.map((v) => v * scale);
    } else scores = dequantize(outT, output);
    return { layers, output, scores };
  }
}

/** One-shot evaluation of a model on one feature window. */
export function evalModel(
  model: DeviceModel,
  features: ArrayLike<number>,
  keepLayers = false,
): IntEvalResult {
  return new IntEvaluator(model).run(features, keepLayers);
}
