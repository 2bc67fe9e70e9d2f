/**
 * Quantizers: small objects that declare their precision and fake-quantize a tensor in the
 * forward pass, with a straight-through estimator (STE) for the gradient (larq's habit).
 * Layers take them as arguments (`kernelQuantizer`, `inputQuantizer`), by config or instance.
 *
 * | kind        | forward                                                    | gradient (STE)                     |
 * | ----------- | ---------------------------------------------------------- | ---------------------------------- |
 * | ste_sign    | sign(x), sign(0) = +1 (optionally times per-channel mean|x|) | dy * 1{|x| <= clip} (larq ste_sign) |
 * | weight      | per-channel symmetric: s_c = max|w_c| / qmax, s_c * clamp(round(w / s_c), ±qmax), qmax = 2^(b-1) - 1 | dy (identity; s_c held constant) |
 * | tanh        | seed 002 stage 1: t = tanh(w) / max|tanh(w)|, then symmetric per-tensor at b bits on [-1, 1] | STE through the rounding, exact through tanh and the normalisation |
 * | linear      | per-tensor symmetric max-abs (bias and gain, seed 002 stage 2)      | dy (identity)                      |
 * | act         | range [lo, hi] (lo = -hi when symmetric), 2^b levels, zero point nudged to an integer (TFLite fake_quant) | dy * 1{lo <= x <= hi} |
 *
 * `round` here is tf.round (half to even); the exporter recomputes integers with Math.round on
 * the same scales, which can differ only at exact ties.
 */
import * as tf from "@tensorflow/tfjs";

export type QuantizerConfig =
  | { kind: "ste_sign"; clip?: number; scaled?: boolean }
  | { kind: "weight"; bits: number }
  | { kind: "tanh"; bits: number }
  | { kind: "linear"; bits: number }
  | { kind: "act"; bits: number; symmetric?: boolean };

export interface Quantizer {
  readonly config: QuantizerConfig;
  /** Stored bit width of the quantized values (1 for binary). */
  readonly bits: number;
  /** Fake-quantizes x. `range` is [lo, hi] for activation quantizers (scalars). */
  apply(x: tf.Tensor, range?: [tf.Scalar, tf.Scalar]): tf.Tensor;
  /**
   * The integer grid the fake-quantized kernel `q` (flat, as apply returned it) lies on: the
   * step per output channel (value = step_c * integer), or null when the quantizer has no fixed
   * grid the exporter can keep (binary, per-tensor, activations). `channelOf(i)`: the output
   * channel of element i.
   */
  integerGrid(
    q: ArrayLike<number>,
    outC: number,
    channelOf: (i: number) => number,
  ): number[] | null;
}

/** Largest integer of a symmetric b-bit grid. */
const qmax = (bits: number): number => 2 ** (bits - 1) - 1;

function checkBits(bits: number): number {
  if (!Number.isInteger(bits) || bits < 2 || bits > 16)
    throw new Error(`quantizer bits must be an integer in 2..16, got ${bits}`);
  return bits;
}

// biome-ignore lint/suspicious/noExplicitAny: tfjs's CustomGradientFunc is typed by variadic inputs.
type AnyGradFn = any;

/** Identity forward, zero gradient (tfjs has no stopGradient op). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad(((xi: tf.Tensor) => ({
    value: xi.clone(),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as AnyGradFn);
  return f(x) as T;
}

/** sign with sign(0) = +1, as the device's packed bits (bit 1 = +1 for x >= 0). */
export function signPlus(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.mul(tf.cast(tf.greaterEqual(x, 0), "float32"), 2), 1));
}

/** larq's ste_sign: forward sign(x), backward dy where |x| <= clip, else 0. */
export function steSign(x: tf.Tensor, clip = 1): tf.Tensor {
  const f = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xi]);
    return {
      value: signPlus(xi),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(saved[0]), clip), "float32")),
    };
  }) as AnyGradFn);
  return f(x);
}

/** Identity-gradient rounding: forward round(x), backward dy. */
export function steRound(x: tf.Tensor): tf.Tensor {
  const f = tf.customGrad(((xi: tf.Tensor) => ({
    value: tf.round(xi),
    gradFunc: (dy: tf.Tensor) => dy,
  })) as AnyGradFn);
  return f(x);
}

/** Per-output-channel (last axis) max |w|, shaped to broadcast against w. */
function channelAbsMax(w: tf.Tensor): tf.Tensor {
  const axes = w.shape.map((_, i) => i).slice(0, -1);
  return tf.max(tf.abs(w), axes, true);
}

/** Per-channel symmetric fake quantization of weights (output channel = last axis). */
export function fakeQuantWeights(w: tf.Tensor, bits: number, perChannel = true): tf.Tensor {
  return tf.tidy(() => {
    const qmax = 2 ** (bits - 1) - 1;
    const m = perChannel ? channelAbsMax(w) : tf.max(tf.abs(w));
    const s = stopGradient(tf.div(tf.maximum(m, 1e-12), qmax));
    const q = tf.clipByValue(steRound(tf.div(w, s)), -qmax, qmax);
    return tf.mul(q, s);
  });
}

/** Seed 002 stage 1: tanh-squashed weights normalised to [-1, 1], linearly quantized. */
export function tanhSquash(w: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.tanh(w);
    return tf.div(t, tf.maximum(tf.max(tf.abs(t)), 1e-12));
  });
}

export function fakeQuantTanh(w: tf.Tensor, bits: number): tf.Tensor {
  return tf.tidy(() => {
    const qmax = 2 ** (bits - 1) - 1;
    return tf.div(tf.clipByValue(steRound(tf.mul(tanhSquash(w), qmax)), -qmax, qmax), qmax);
  });
}

/**
 * Activation fake quantization on [lo, hi] (widened to contain 0) with 2^bits levels and an
 * integer zero point (TFLite's nudging); gradient passes inside the range, zero outside.
 */
export function fakeQuantAct(x: tf.Tensor, lo: tf.Scalar, hi: tf.Scalar, bits: number): tf.Tensor {
  const levels = 2 ** bits - 1;
  const f = tf.customGrad(((xi: tf.Tensor, l: tf.Tensor, h: tf.Tensor, save: tf.GradSaveFunc) => {
    const lo0 = tf.minimum(l, 0);
    const hi0 = tf.maximum(h, tf.add(lo0, 1e-8));
    const scale = tf.div(tf.sub(hi0, lo0), levels);
    const zp = tf.round(tf.div(tf.neg(lo0), scale));
    const nlo = tf.mul(tf.neg(zp), scale);
    const nhi = tf.add(nlo, tf.mul(scale, levels));
    save([xi, nlo, nhi]);
    const q = tf.round(tf.div(tf.sub(tf.clipByValue(xi, -1e30, 1e30), nlo), scale));
    const value = tf.add(tf.mul(tf.clipByValue(q, 0, levels), scale), nlo);
    return {
      value,
      gradFunc: (dy: tf.Tensor, s: tf.Tensor[]) => {
        const inside = tf.logicalAnd(tf.greaterEqual(s[0], s[1]), tf.lessEqual(s[0], s[2]));
        return [tf.mul(dy, tf.cast(inside, "float32")), tf.zerosLike(l), tf.zerosLike(h)];
      },
    };
  }) as AnyGradFn);
  return f(x, lo, hi);
}

class SteSignQuantizer implements Quantizer {
  readonly bits = 1;
  constructor(readonly config: { kind: "ste_sign"; clip?: number; scaled?: boolean }) {}
  apply(x: tf.Tensor): tf.Tensor {
    const s = steSign(x, this.config.clip ?? 1);
    if (!this.config.scaled) return s;
    // XNOR-net style per-output-channel magnitude (a constant w.r.t. the gradient).
    return tf.mul(s, stopGradient(tf.mean(tf.abs(x), x.shape.map((_, i) => i).slice(0, -1), true)));
  }
  integerGrid(): null {
    return null;
  }
}

class WeightQuantizer implements Quantizer {
  readonly bits: number;
  constructor(readonly config: { kind: "weight"; bits: number }) {
    this.bits = checkBits(config.bits);
  }
  apply(x: tf.Tensor): tf.Tensor {
    return fakeQuantWeights(x, this.bits);
  }
  /** Per channel: max |q_c| / qmax (the scale fakeQuantWeights used). */
  integerGrid(q: ArrayLike<number>, outC: number, channelOf: (i: number) => number): number[] {
    const m = new Array<number>(outC).fill(0);
    for (let i = 0; i < q.length; i++) m[channelOf(i)] = Math.max(m[channelOf(i)], Math.abs(q[i]));
    return m.map((v) => (v > 0 ? v / qmax(this.bits) : 1));
  }
}

class LinearQuantizer implements Quantizer {
  readonly bits: number;
  constructor(readonly config: { kind: "linear"; bits: number }) {
    this.bits = checkBits(config.bits);
  }
  apply(x: tf.Tensor): tf.Tensor {
    return fakeQuantWeights(x, this.bits, false);
  }
  integerGrid(): null {
    return null;
  }
}

class TanhQuantizer implements Quantizer {
  readonly bits: number;
  constructor(readonly config: { kind: "tanh"; bits: number }) {
    this.bits = checkBits(config.bits);
  }
  apply(x: tf.Tensor): tf.Tensor {
    return fakeQuantTanh(x, this.bits);
  }
  /** The normalised tanh lies on [-1, 1]: step 1 / qmax on every channel. */
  integerGrid(_q: ArrayLike<number>, outC: number): number[] {
    return new Array<number>(outC).fill(1 / qmax(this.bits));
  }
}

class ActQuantizer implements Quantizer {
  readonly bits: number;
  constructor(readonly config: { kind: "act"; bits: number; symmetric?: boolean }) {
    this.bits = checkBits(config.bits);
  }
  apply(x: tf.Tensor, range?: [tf.Scalar, tf.Scalar]): tf.Tensor {
    if (!range) throw new Error("activation quantizer needs a range");
    const [lo, hi] = range;
    if (!this.config.symmetric) return fakeQuantAct(x, lo, hi, this.bits);
    const a = tf.maximum(tf.abs(lo), tf.abs(hi)) as tf.Scalar;
    return fakeQuantAct(x, tf.neg(a), a, this.bits);
  }
  integerGrid(): null {
    return null;
  }
}

/** Builds a quantizer from its config (layers store configs, so checkpoints round-trip). */
export function makeQuantizer(c: QuantizerConfig): Quantizer {
  // tfjs's JSON (de)serialization camel-cases string values: "ste_sign" may come back "steSign".
  if ((c.kind as string) === "steSign") c = { ...c, kind: "ste_sign" } as QuantizerConfig;
  switch (c.kind) {
    case "ste_sign":
      return new SteSignQuantizer(c);
    case "weight":
      return new WeightQuantizer(c);
    case "tanh":
      return new TanhQuantizer(c);
    case "linear":
      return new LinearQuantizer(c);
    case "act":
      return new ActQuantizer(c);
    default:
      throw new Error(`unknown quantizer ${JSON.stringify(c)}`);
  }
}
