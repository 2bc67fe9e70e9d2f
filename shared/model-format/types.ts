/**
 * The device model: what `decodeModel` returns and `encodeModel` writes (format v1).
 * See shared/model-format/README.md for the byte layout.
 *
 * Tensors are the graph's activations and constants; ops reference them by index. Constant data
 * is held decoded: integer values unpacked from their stored bit width (2/4/5/8/16/32), except
 * binary (DT_BIN) tensors, whose data stays packed as int32 words (the layout the binary kernels
 * read; see shared/kernels/types.ts).
 */
import { opCode } from "../kernels/ops";

/** Element types. */
export const DT_INT8 = 1;
export const DT_UINT8 = 2;
export const DT_INT16 = 3;
export const DT_INT32 = 4;
/** ±1 values packed 32 per int32 word along the last axis (bit 1 = +1). */
export const DT_BIN = 5;
/** Float features: only the graph input, never stored data. */
export const DT_FLOAT32 = 6;

/**
 * Op codes and their operands (the codes come from the op table, shared/kernels/ops.ts).
 * Attributes are int32; tensor operands are indices.
 */
/** in [x f32], out [q]; attrs []. Uses the output tensor's scales[0] and zeroPoint. */
export const OP_QUANTIZE = /* @__PURE__ */ opCode("quantize");
/** in [x, w OHWI, bias i32, mult i32, shift i32], out [y]; attrs CONV_ATTRS. */
export const OP_CONV2D = /* @__PURE__ */ opCode("conv2d");
/** in [x, w [kH,kW,outC], bias, mult, shift], out [y]; attrs CONV_ATTRS. */
export const OP_DEPTHWISE_CONV2D = /* @__PURE__ */ opCode("depthwiseConv2d");
/** in [x (any shape, numel inN), w [outN,inN], bias, mult, shift], out [y [outN]]; attrs [inZp, outZp, actMin, actMax]. */
export const OP_DENSE = /* @__PURE__ */ opCode("dense");
/** in [x], out [y]; attrs POOL_ATTRS. */
export const OP_AVG_POOL2D = /* @__PURE__ */ opCode("avgPool2d");
/** in [x], out [y]; attrs POOL_ATTRS. */
export const OP_MAX_POOL2D = /* @__PURE__ */ opCode("maxPool2d");
/** in [x [H,W,C]], out [y [C]]; attrs [actMin, actMax]. */
export const OP_GLOBAL_AVG_POOL = /* @__PURE__ */ opCode("globalAvgPool");
/** in [a, b], out [y]; attrs [aZp, bZp, outZp, leftShift, aMult, aShift, bMult, bShift, outMult, outShift, actMin, actMax]. */
export const OP_ADD = /* @__PURE__ */ opCode("add");
/** in [x int, thr i32 [C], dir i32 [C]], out [y BIN same shape]; attrs []. */
export const OP_BINARIZE = /* @__PURE__ */ opCode("binarize");
/** in [x BIN [H,W,C], w BIN [O,kH,kW,C], thr [O], dir [O]], out [y BIN]; attrs [strideH, strideW, padding]. */
export const OP_BCONV2D = /* @__PURE__ */ opCode("binaryConv2d");
/** in [x BIN, w BIN, bias, mult, shift], out [y int]; attrs [strideH, strideW, padding, outZp, actMin, actMax]. */
export const OP_BCONV2D_INT = /* @__PURE__ */ opCode("binaryConv2dInt");
/** in [x BIN (rank 1, or last axis a multiple of 32), w BIN [outN, inN], thr, dir], out [y BIN [outN]]; attrs []. */
export const OP_BDENSE = /* @__PURE__ */ opCode("binaryDense");
/** in [x BIN, w BIN [outN, inN], bias, mult, shift], out [y int [outN]]; attrs [outZp, actMin, actMax]. */
export const OP_BDENSE_INT = /* @__PURE__ */ opCode("binaryDenseInt");
/** in [x [H,W,C]], out [y [C]]; attrs [actMin, actMax]. */
export const OP_GLOBAL_MAX_POOL = /* @__PURE__ */ opCode("globalMaxPool");
/** in [x int [n], lut i32], out [y i32 [n], Q15 probabilities]; attrs []. */
export const OP_SOFTMAX = /* @__PURE__ */ opCode("softmax");

/** in [x int32 [..., C], mult i32 [C], shift i32 [C]], out [y same shape]; attrs [outZp, actMin, actMax]. */
export const OP_TFLM_REQUANTIZE = /* @__PURE__ */ opCode("tflmRequantize");

/** Conv attribute layout: [strideH, strideW, padding, inZp, outZp, actMin, actMax]. */
export const CONV_ATTR_COUNT = 7;
/** Pool attribute layout: [kH, kW, strideH, strideW, padding, actMin, actMax]. */
export const POOL_ATTR_COUNT = 7;

/** Padding modes (TensorFlow's): VALID uses only full windows; SAME pads so out = ceil(in/stride). */
export const PAD_VALID = 0;
export const PAD_SAME = 1;
/**
 * VALID along H (time), SAME along W (frequency): a conv whose output row depends only on a
 * fixed run of input rows, never on padding at the window's edges, so a streaming run can keep
 * past rows and compute only new ones bit-exactly (device/runtime/incremental.ts).
 */
export const PAD_VALID_H_SAME_W = 2;

export interface DeviceTensor {
  /** ASCII name (for reports and golden vectors). */
  name: string;
  dtype: number;
  /** Stored bit width of `data` (1, 2, 4, 5, 8, 16, 32); for activations, the element width. */
  bits: number;
  /** Logical shape (for DT_BIN, counted in ±1 elements, not words). */
  shape: number[];
  /** Constant values (see module comment), or null for activations and the graph input. */
  data: number[] | null;
  /** Float scales (1 per tensor or 1 per channel); for dequantizing and reports, never kernels. */
  scales: number[];
  zeroPoint: number;
}

export interface DeviceOp {
  code: number;
  inputs: number[];
  outputs: number[];
  attrs: number[];
}

/** One numeric setting (front-end config field, detection or metadata), stored as float64. */
export interface KeyValue {
  key: string;
  value: number;
}

export interface DeviceModel {
  /** Format version the bytes were written with (decoders accept only versions they know). */
  formatVersion: number;
  modelId: string;
  modelVersion: number;
  labels: string[];
  /** The front-end config (shared/features FrontEndConfig numeric fields), by name. */
  frontEnd: KeyValue[];
  /** Default detection threshold on the smoothed score, 0..1. */
  threshold: number;
  /** Default posterior smoothing window, in inferences. */
  smoothingWindow: number;
  /** Other numeric metadata (e.g. inference stride, suppression ms); free-form keys. */
  meta: KeyValue[];
  tensors: DeviceTensor[];
  ops: DeviceOp[];
  /** Graph input tensor (float features, [frames, coefficients]). */
  input: number;
  /** Graph output tensor (scores: Q15 probabilities or quantized logits). */
  output: number;
}
