/**
 * The kernel interface: ONE signature per op, called once per layer on whole tensors.
 *
 * Every implementation (portable TS reference, wasm, C, Lua) implements `Kernels` with exactly
 * these semantics; the golden tables in test/kernels run against each. Conventions shared by all:
 *
 * - Tensors are flat `number[]` (typed arrays only inside per-target intrinsics), batch 1,
 *   layout NHWC without N: index of (y, x, c) in an [H, W, C] tensor is (y * W + x) * C + c.
 * - Integer activations (int8, uint8 or int16) are plain integers; their range is given by the
 *   `actMin`/`actMax` clamp, which also encodes a fused ReLU / ReLU6 / clipped ReLU.
 * - Weights are already unpacked to integers (sub-8-bit tensors are unpacked once, at model
 *   load, by shared/model-format), laid out:
 *     conv2d          [outC, kH, kW, inC]          (OHWI, as TFLite)
 *     depthwiseConv2d [kH, kW, outC], outC = inC * depthMultiplier
 *     dense           [outN, inN]
 * - Requantization: acc (exact integer) -> outZp + rescale(acc, mult[c], shift[c]) clamped to
 *   [actMin, actMax]; `rescale` is shared/quant/rescale.ts (round half up, exact). mult/shift
 *   are per output channel (length outC), int32 multiplier and right shift in 17..62.
 * - Binary tensors (±1 values) are packed along channels: each pixel (or the whole vector for
 *   dense) holds ceil(C / 32) int32 words; bit (c % 32) of word (c / 32) is 1 for +1, 0 for -1;
 *   unused high bits of the last word are 0. Binary weights [outC, kH, kW, inC] pack inC the same
 *   way per (o, ky, kx). Padded taps of a binary conv contribute 0 (they are skipped), i.e.
 *   dot = 2 * matches - validBits over the taps inside the image.
 * - Folded thresholds: output bit of channel c is 1 iff (dir[c] > 0 ? dot >= thr[c] : dot <= thr[c]).
 * - Kernels never allocate; `out` is preallocated with the exact output length.
 */

/** Geometry of a 2-D window op on an [inH, inW, inC] input (dilation 1). */
export interface ConvGeometry {
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  /** Rows/columns of implicit padding before the first input row/column (see padding.ts). */
  padTop: number;
  padLeft: number;
}

/** Output clamp (fused activation) for ops that keep their input's quantization. */
export interface ClampParams {
  actMin: number;
  actMax: number;
}

/** Zero points and output clamp for ops that requantize an int32 accumulator. */
export interface RequantParams extends ClampParams {
  /** Input zero point, subtracted from every input value before the multiply. */
  inZp: number;
  /** Output zero point, added after the rescale. */
  outZp: number;
}

/** Shape of a fully connected layer: input vector length and output count. */
export interface DenseShape {
  inN: number;
  outN: number;
}

/**
 * Elementwise add of two quantized tensors with different scales (as TFLite): each input is
 * shifted left by `leftShift`, rescaled into a common scale, summed, rescaled to the output.
 * out = clamp(outZp + rescale(rescale((a-aZp) * 2^leftShift, aMult, aShift)
 *                            + rescale((b-bZp) * 2^leftShift, bMult, bShift), outMult, outShift))
 */
export interface AddParams extends ClampParams {
  n: number;
  aZp: number;
  bZp: number;
  outZp: number;
  leftShift: number;
  aMult: number;
  aShift: number;
  bMult: number;
  bShift: number;
  outMult: number;
  outShift: number;
}

/** Float feature quantization: q = clamp(roundHalfAwayFromZero(x / scale) + zeroPoint). */
export interface QuantizeParams extends ClampParams {
  n: number;
  /** A float64 scale, decoded bit-exactly from the model file. */
  scale: number;
  zeroPoint: number;
}

/** Global pooling of an [h, w, ch] tensor to [ch] (one value per channel over all h * w pixels). */
export type GlobalPoolKernel = (
  input: number[],
  h: number,
  w: number,
  ch: number,
  c: ClampParams,
  out: number[],
) => void;

/**
 * Q15 one: softmax probabilities are out[i] / 32768. Here, not beside the JS softmax, because
 * the runtime reads it without the JS kernels (the native hosts' bundle carries none).
 */
export const SOFTMAX_ONE = 32768;

export interface Kernels {
  /** int8 conv: out[y,x,o] = requant(bias[o] + sum (x - inZp) * w[o,ky,kx,i]); zero-padded. */
  conv2d(
    input: number[],
    weights: number[],
    bias: number[],
    mult: number[],
    shift: number[],
    g: ConvGeometry,
    q: RequantParams,
    out: number[],
  ): void;

  /** Depthwise conv, depth multiplier outC / inC; out channel o reads input channel o / mult. */
  depthwiseConv2d(
    input: number[],
    weights: number[],
    bias: number[],
    mult: number[],
    shift: number[],
    g: ConvGeometry,
    q: RequantParams,
    out: number[],
  ): void;

  /** Fully connected: out[o] = requant(bias[o] + sum_i (x[i] - inZp) * w[o, i]). */
  dense(
    input: number[],
    weights: number[],
    bias: number[],
    mult: number[],
    shift: number[],
    d: DenseShape,
    q: RequantParams,
    out: number[],
  ): void;

  /**
   * Average pool (outC = inC) over the taps inside the image; the mean of the raw quantized
   * values is rounded half away from zero (input and output share scale and zero point).
   */
  avgPool2d(input: number[], g: ConvGeometry, c: ClampParams, out: number[]): void;

  /** Max pool over the taps inside the image, then clamp. */
  maxPool2d(input: number[], g: ConvGeometry, c: ClampParams, out: number[]): void;

  /** Global average pool, rounding as avgPool2d. */
  globalAvgPool: GlobalPoolKernel;

  /** Global max pool (max over time and frequency), then clamp. */
  globalMaxPool: GlobalPoolKernel;

  /** Quantized elementwise add with requantization of both inputs (see AddParams). */
  add(a: number[], b: number[], p: AddParams, out: number[]): void;

  /** Binary conv, packed bits in and out: dot over valid taps, then folded threshold. */
  binaryConv2d(
    input: number[],
    weights: number[],
    thr: number[],
    dir: number[],
    g: ConvGeometry,
    out: number[],
  ): void;

  /**
   * Binary conv with integer output (last binary layer): acc = bias[o] + dot, requantized with
   * mult/shift (mult may be negative to fold a negative BN gain); q.inZp is ignored.
   */
  binaryConv2dInt(
    input: number[],
    weights: number[],
    bias: number[],
    mult: number[],
    shift: number[],
    g: ConvGeometry,
    q: RequantParams,
    out: number[],
  ): void;

  /** Binary dense, packed bits in and out, folded thresholds. */
  binaryDense(
    input: number[],
    weights: number[],
    thr: number[],
    dir: number[],
    d: DenseShape,
    out: number[],
  ): void;

  /** Binary dense with integer output: acc = bias[o] + dot, requantized. */
  binaryDenseInt(
    input: number[],
    weights: number[],
    bias: number[],
    mult: number[],
    shift: number[],
    d: DenseShape,
    q: RequantParams,
    out: number[],
  ): void;

  /**
   * Integer -> packed bits with per-channel folded thresholds (BN + sign after an integer
   * layer): bit of (p, c) is 1 iff (dir[c] > 0 ? x >= thr[c] : x <= thr[c]) on raw values.
   * `pixels` = H * W, `ch` channels; out holds pixels * ceil(ch / 32) words.
   */
  binarize(
    input: number[],
    thr: number[],
    dir: number[],
    pixels: number,
    ch: number,
    out: number[],
  ): void;

  /** Float features -> integers (see QuantizeParams). */
  quantize(input: number[], p: QuantizeParams, out: number[]): void;

  /**
   * TFLite Micro's requantization of int32 accumulators (an int32-output conv/dense with the
   * identity rescale feeds it): out[i] = clamp(outZp + rescaleTflm(x[i], mult[c], shift[c])),
   * c = i % ch (channels last), over n values; q.inZp is ignored. See shared/quant/rescale.ts.
   */
  tflmRequantize(
    input: number[],
    mult: number[],
    shift: number[],
    n: number,
    ch: number,
    q: RequantParams,
    out: number[],
  ): void;

  /**
   * Integer softmax over n logits with a host-computed table: lut[d] = round(2^30 * exp(-d *
   * scale)) for d = max - x in 0..lut.length-1 (0 beyond). out[i] = probability in Q15
   * (0..32768) = floor((e_i * 32768 + floor(sum / 2)) / sum).
   */
  softmax(input: number[], lut: number[], n: number, out: number[]): void;
}
