/**
 * The portable TS reference implementation of `Kernels`: what every other implementation
 * (wasm, C, Lua) is diffed against.
 */
import { binarize, binaryConv2d, binaryConv2dInt, binaryDense, binaryDenseInt } from "./binary";
import { conv2d, depthwiseConv2d } from "./conv";
import { dense } from "./dense";
import { add, quantize, softmax, tflmRequantize } from "./elementwise";
import { avgPool2d, globalAvgPool, globalMaxPool, maxPool2d } from "./pool";
import type { Kernels } from "./types";

export const referenceKernels: Kernels = {
  conv2d,
  depthwiseConv2d,
  dense,
  avgPool2d,
  maxPool2d,
  globalAvgPool,
  globalMaxPool,
  add,
  binaryConv2d,
  binaryConv2dInt,
  binaryDense,
  binaryDenseInt,
  binarize,
  quantize,
  softmax,
  tflmRequantize,
};
