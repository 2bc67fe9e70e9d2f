/**
 * Runs one prepared op with a kernel set: the single place where op codes meet kernels, shared
 * by the host's integer evaluator and the device runtime. `values[t]` is the flat array of
 * tensor t: constant data, the graph input, or an activation buffer of the exact stored size
 * (elements, or packed words for binary tensors). No allocation.
 */
import type { PreparedOp } from "../model-format/prepare";
import {
  OP_ADD,
  OP_AVG_POOL2D,
  OP_BCONV2D,
  OP_BCONV2D_INT,
  OP_BDENSE,
  OP_BDENSE_INT,
  OP_BINARIZE,
  OP_CONV2D,
  OP_DENSE,
  OP_DEPTHWISE_CONV2D,
  OP_GLOBAL_AVG_POOL,
  OP_MAX_POOL2D,
  OP_QUANTIZE,
  OP_SOFTMAX,
} from "../model-format/types";
import type { Kernels } from "./types";

export function runOp(k: Kernels, p: PreparedOp, values: number[][]): void {
  const i = p.inputs;
  const y = values[p.outputs[0]];
  const c = p.code;
  if (c === OP_CONV2D || c === OP_DEPTHWISE_CONV2D) {
    // Called as methods, never detached: TSTL passes the kernel set as `self`.
    if (c === OP_CONV2D) {
      k.conv2d(
        values[i[0]],
        values[i[1]],
        values[i[2]],
        values[i[3]],
        values[i[4]],
        p.conv,
        p.requant,
        y,
      );
    } else {
      k.depthwiseConv2d(
        values[i[0]],
        values[i[1]],
        values[i[2]],
        values[i[3]],
        values[i[4]],
        p.conv,
        p.requant,
        y,
      );
    }
  } else if (c === OP_DENSE) {
    k.dense(
      values[i[0]],
      values[i[1]],
      values[i[2]],
      values[i[3]],
      values[i[4]],
      p.dense,
      p.requant,
      y,
    );
  } else if (c === OP_AVG_POOL2D) {
    k.avgPool2d(values[i[0]], p.conv, p.clamp, y);
  } else if (c === OP_MAX_POOL2D) {
    k.maxPool2d(values[i[0]], p.conv, p.clamp, y);
  } else if (c === OP_GLOBAL_AVG_POOL) {
    k.globalAvgPool(values[i[0]], p.n, p.m, p.ch, p.clamp, y);
  } else if (c === OP_ADD) {
    k.add(values[i[0]], values[i[1]], p.add, y);
  } else if (c === OP_BINARIZE) {
    k.binarize(values[i[0]], values[i[1]], values[i[2]], p.n, p.m, y);
  } else if (c === OP_BCONV2D) {
    k.binaryConv2d(values[i[0]], values[i[1]], values[i[2]], values[i[3]], p.conv, y);
  } else if (c === OP_BCONV2D_INT) {
    k.binaryConv2dInt(
      values[i[0]],
      values[i[1]],
      values[i[2]],
      values[i[3]],
      values[i[4]],
      p.conv,
      p.requant,
      y,
    );
  } else if (c === OP_BDENSE) {
    k.binaryDense(values[i[0]], values[i[1]], values[i[2]], values[i[3]], p.dense, y);
  } else if (c === OP_BDENSE_INT) {
    k.binaryDenseInt(
      values[i[0]],
      values[i[1]],
      values[i[2]],
      values[i[3]],
      values[i[4]],
      p.dense,
      p.requant,
      y,
    );
  } else if (c === OP_QUANTIZE) {
    k.quantize(values[i[0]], p.quantize, y);
  } else if (c === OP_SOFTMAX) {
    k.softmax(values[i[0]], values[i[1]], p.n, y);
  } else {
    throw new Error(`runOp: unknown op code ${c}`);
  }
}
