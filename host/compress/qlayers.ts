/**
 * Quantized layers (larq style): each holds latent float weights and applies its
 * `kernelQuantizer` to them and its `inputQuantizer` to its input on every forward pass, then
 * the float op. With both quantizers null a layer equals its float twin (Conv2D, DepthwiseConv2D,
 * Dense); with ste_sign on both it is a binary layer: conv(sign(x), sign(w)).
 *
 * Activation quantizers need a range: the layer keeps `input_min`/`input_max` as non-trainable
 * weights, updated in training by an exponential moving average of batch min/max (the first
 * batch sets them), frozen in inference. The exporter reads them as the input tensor's range.
 *
 * Registered with tf.serialization, so models holding them save and load through tfjs IO.
 */
import * as tf from "@tensorflow/tfjs";
import { makeQuantizer, type Quantizer, type QuantizerConfig, stopGradient } from "./quantizers";
import { TargetDistribution, type TargetDistributionConfig } from "./regularizers";

type Kind = "conv2d" | "depthwise" | "dense";

export interface QLayerArgs {
  name?: string;
  /** Output channels (conv2d) or units (dense); ignored by depthwise. */
  filters?: number;
  units?: number;
  kernelSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: "same" | "valid";
  depthMultiplier?: number;
  useBias?: boolean;
  activation?: "relu" | "linear" | null;
  kernelQuantizer?: QuantizerConfig | null;
  inputQuantizer?: QuantizerConfig | null;
  /** Seed 002 stage 2: linear quantization of the bias. */
  biasQuantizer?: QuantizerConfig | null;
  /** Seed 002's target-distribution regulariser on the latent kernel (tanh weights). */
  kernelTarget?: TargetDistributionConfig | null;
  /** Holds a frozen 0/1 `kernel_mask` multiplied into the kernel (unstructured pruning). */
  masked?: boolean;
  /** EMA momentum of the input range. */
  rangeMomentum?: number;
  trainable?: boolean;
  inputShape?: number[];
  batchInputShape?: number[];
}

const pair = (v: number | [number, number] | undefined, d: number): [number, number] =>
  v === undefined ? [d, d] : typeof v === "number" ? [v, v] : [v[0], v[1]];

abstract class QuantLayer extends tf.layers.Layer {
  protected abstract readonly kind: Kind;
  readonly args: QLayerArgs;
  readonly kernelQ: Quantizer | null;
  readonly inputQ: Quantizer | null;
  readonly biasQ: Quantizer | null;
  kernel!: tf.LayerVariable;
  bias: tf.LayerVariable | null = null;
  inputMin: tf.LayerVariable | null = null;
  inputMax: tf.LayerVariable | null = null;
  kernelMask: tf.LayerVariable | null = null;

  constructor(args: QLayerArgs) {
    super(args as tf.serialization.ConfigDict);
    this.args = { ...args };
    this.kernelQ = args.kernelQuantizer ? makeQuantizer(args.kernelQuantizer) : null;
    this.inputQ = args.inputQuantizer ? makeQuantizer(args.inputQuantizer) : null;
    this.biasQ = args.biasQuantizer ? makeQuantizer(args.biasQuantizer) : null;
  }

  protected abstract kernelShape(inC: number): number[];
  protected abstract outChannels(inC: number): number;
  protected abstract op(x: tf.Tensor, w: tf.Tensor): tf.Tensor;

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inC = s[s.length - 1] as number;
    const reg = this.args.kernelTarget ? new TargetDistribution(this.args.kernelTarget) : undefined;
    const init = this.args.kernelTarget
      ? tf.initializers.randomNormal({ mean: 0, stddev: this.args.kernelTarget.sigmaT })
      : tf.initializers.glorotUniform({});
    this.kernel = this.addWeight("kernel", this.kernelShape(inC), "float32", init, reg as never);
    if (this.args.useBias !== false) {
      this.bias = this.addWeight(
        "bias",
        [this.outChannels(inC)],
        "float32",
        tf.initializers.zeros(),
      );
    }
    if (this.inputQ && this.inputQ.config.kind === "act") {
      this.inputMin = this.addWeight(
        "input_min",
        [],
        "float32",
        tf.initializers.zeros(),
        undefined,
        false,
      );
      this.inputMax = this.addWeight(
        "input_max",
        [],
        "float32",
        tf.initializers.zeros(),
        undefined,
        false,
      );
    }
    if (this.args.masked) {
      this.kernelMask = this.addWeight(
        "kernel_mask",
        this.kernel.shape as number[],
        "float32",
        tf.initializers.ones(),
        undefined,
        false,
      );
    }
    this.built = true;
  }

  /** The bias as the forward pass uses it. */
  effectiveBias(): tf.Tensor | null {
    if (!this.bias) return null;
    return tf.tidy(() =>
      this.biasQ
        ? this.biasQ.apply(this.bias?.read() as tf.Tensor)
        : (this.bias?.read() as tf.Tensor),
    );
  }

  /** The quantized kernel as the forward pass uses it (for export and tests). */
  quantizedKernel(): tf.Tensor {
    return tf.tidy(() => this.quantizeKernel(this.maskedKernel()));
  }

  private maskedKernel(): tf.Tensor {
    const k = this.kernel.read();
    return this.kernelMask ? tf.mul(k, this.kernelMask.read()) : k;
  }

  protected quantizeKernel(w: tf.Tensor): tf.Tensor {
    if (!this.kernelQ) return w;
    if (this.kind !== "depthwise") return this.kernelQ.apply(w);
    // Depthwise [kH, kW, inC, mult]: the output channel is (inC, mult), flattened last.
    const [kh, kw, c, m] = w.shape;
    return tf.reshape(this.kernelQ.apply(tf.reshape(w, [kh, kw, c * m])), w.shape);
  }

  private updateRange(x: tf.Tensor): void {
    if (!this.inputMin || !this.inputMax) return;
    const m = this.args.rangeMomentum ?? 0.99;
    const lo = this.inputMin.read();
    const hi = this.inputMax.read();
    const seen = tf.greater(tf.sub(hi, lo), 0);
    const bmin = tf.min(x);
    const bmax = tf.max(x);
    this.inputMin.write(
      tf.where(seen, tf.add(tf.mul(lo, m), tf.mul(bmin, 1 - m)), bmin) as tf.Scalar,
    );
    this.inputMax.write(
      tf.where(seen, tf.add(tf.mul(hi, m), tf.mul(bmax, 1 - m)), bmax) as tf.Scalar,
    );
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    return tf.tidy(() => {
      let x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (this.inputQ) {
        if (this.inputMin && this.inputMax) {
          if (kwargs?.training) tf.tidy(() => this.updateRange(stopGradient(x)));
          x = this.inputQ.apply(x, [
            this.inputMin.read() as tf.Scalar,
            this.inputMax.read() as tf.Scalar,
          ]);
        } else {
          x = this.inputQ.apply(x);
        }
      }
      let y = this.op(x, this.quantizeKernel(this.maskedKernel()));
      if (this.bias)
        y = tf.add(y, this.biasQ ? this.biasQ.apply(this.bias.read()) : this.bias.read());
      if (this.args.activation === "relu") y = tf.relu(y);
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { name: _n, inputShape: _i, batchInputShape: _b, trainable: _t, ...rest } = this.args;
    return { ...super.getConfig(), ...(rest as tf.serialization.ConfigDict) };
  }
}

export class QConv2D extends QuantLayer {
  static className = "EarshotQConv2D";
  protected readonly kind = "conv2d" as const;
  protected kernelShape(inC: number): number[] {
    return [...pair(this.args.kernelSize, 3), inC, this.args.filters as number];
  }
  protected outChannels(): number {
    return this.args.filters as number;
  }
  protected op(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    return tf.conv2d(
      x as tf.Tensor4D,
      w as tf.Tensor4D,
      pair(this.args.strides, 1),
      this.args.padding ?? "valid",
    );
  }
  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    return convShape(s as tf.Shape, this.args, this.args.filters as number);
  }
}

export class QDepthwiseConv2D extends QuantLayer {
  static className = "EarshotQDepthwiseConv2D";
  protected readonly kind = "depthwise" as const;
  protected kernelShape(inC: number): number[] {
    return [...pair(this.args.kernelSize, 3), inC, this.args.depthMultiplier ?? 1];
  }
  protected outChannels(inC: number): number {
    return inC * (this.args.depthMultiplier ?? 1);
  }
  protected op(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    return tf.depthwiseConv2d(
      x as tf.Tensor4D,
      w as tf.Tensor4D,
      pair(this.args.strides, 1),
      this.args.padding ?? "valid",
    );
  }
  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const sh = s as tf.Shape;
    return convShape(sh, this.args, (sh[3] as number) * (this.args.depthMultiplier ?? 1));
  }
}

export class QDense extends QuantLayer {
  static className = "EarshotQDense";
  protected readonly kind = "dense" as const;
  protected kernelShape(inC: number): number[] {
    return [inC, this.args.units as number];
  }
  protected outChannels(): number {
    return this.args.units as number;
  }
  protected op(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    return tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
  }
  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const sh = s as tf.Shape;
    return [...sh.slice(0, -1), this.args.units as number];
  }
}

function convShape(s: tf.Shape, a: QLayerArgs, outC: number): tf.Shape {
  const [kh, kw] = pair(a.kernelSize, 3);
  const [sh, sw] = pair(a.strides, 1);
  const len = (n: number | null, k: number, st: number) =>
    n === null ? null : a.padding === "same" ? Math.ceil(n / st) : Math.ceil((n - k + 1) / st);
  return [s[0], len(s[1], kh, sh), len(s[2], kw, sw), outC];
}

export type QuantLayerT = QConv2D | QDepthwiseConv2D | QDense;

export function isQuantLayer(l: tf.layers.Layer): l is QuantLayerT {
  return l instanceof QuantLayer;
}

tf.serialization.registerClass(QConv2D);
tf.serialization.registerClass(QDepthwiseConv2D);
tf.serialization.registerClass(QDense);
