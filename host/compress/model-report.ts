/**
 * Per-layer report of a device model (seed 003's profile): parameters, bytes at the stored bit
 * width, MACs, FLOPs, activation sizes, and the planned arena peak.
 *
 * Counting rules: a MAC is one multiply-accumulate of the layer's kernel (for binary layers one
 * ±1 MAC, done 32 at a time by XNOR + popcount); FLOPs = 2 * MACs for conv/dense layers and
 * one op per element-read for pooling, add, quantize, binarize and softmax. Parameter bytes
 * count every constant an op reads (weights at their stored width, int32 bias, multipliers,
 * shifts, thresholds, tables).
 */
import { dtypeName, numel, storedBytes } from "../../shared/model-format/layout";
import { opName, prepareModel } from "../../shared/model-format/prepare";
import type { DeviceModel } from "../../shared/model-format/types";
import { activationBytes, planModelArena } from "../../shared/planner/model-arena";

export interface LayerReport {
  index: number;
  op: string;
  inputs: { name: string; shape: number[]; dtype: string }[];
  output: { name: string; shape: number[]; dtype: string };
  /** Weight tensor shape and stored bit width, when the op has weights. */
  weights: { shape: number[]; bits: number } | null;
  /** Raw int attributes. */
  attrs: number[];
  params: number;
  paramBytes: number;
  macs: number;
  binaryMacs: number;
  flops: number;
  activationBytes: number;
}

export interface ModelReport {
  modelId: string;
  modelVersion: number;
  formatVersion: number;
  labels: string[];
  threshold: number;
  smoothingWindow: number;
  frontEnd: Record<string, number>;
  meta: Record<string, number>;
  input: { shape: number[]; dtype: string };
  layers: LayerReport[];
  totals: {
    params: number;
    paramBytes: number;
    macs: number;
    binaryMacs: number;
    flops: number;
    activationBytes: number;
    arenaPeakBytes: number;
    fileBytes: number | null;
  };
}

export function modelReport(model: DeviceModel, fileBytes: number | null = null): ModelReport {
  const prepared = prepareModel(model);
  const plan = planModelArena(model);
  const describe = (t: number) => {
    const tensor = model.tensors[t];
    return { name: tensor.name, shape: tensor.shape.slice(), dtype: dtypeName(tensor.dtype) };
  };
  const layers: LayerReport[] = prepared.map((p) => {
    const op = model.ops[p.index];
    let params = 0;
    let paramBytes = 0;
    for (const t of op.inputs) {
      const tensor = model.tensors[t];
      if (tensor.data === null) continue;
      params += numel(tensor.shape);
      paramBytes += storedBytes(tensor.dtype, tensor.bits, tensor.shape);
    }
    const macOp = p.spec.macs !== "none";
    const w = macOp ? model.tensors[op.inputs[1]] : null;
    const binary = p.spec.macs === "binary";
    const out = model.tensors[op.outputs[0]];
    return {
      index: p.index,
      op: opName(p.code),
      inputs: op.inputs.filter((t) => model.tensors[t].data === null).map(describe),
      output: describe(op.outputs[0]),
      weights: w ? { shape: w.shape.slice(), bits: w.bits } : null,
      attrs: op.attrs.slice(),
      params,
      paramBytes,
      macs: binary ? 0 : macOp ? p.macs : 0,
      binaryMacs: binary ? p.macs : 0,
      flops: macOp ? 2 * p.macs : p.macs,
      activationBytes: activationBytes(out.dtype, out.shape),
    };
  });
  const sum = (f: (l: LayerReport) => number) => layers.reduce((s, l) => s + f(l), 0);
  const inT = model.tensors[model.input];
  return {
    modelId: model.modelId,
    modelVersion: model.modelVersion,
    formatVersion: model.formatVersion,
    labels: model.labels.slice(),
    threshold: model.threshold,
    smoothingWindow: model.smoothingWindow,
    frontEnd: Object.fromEntries(model.frontEnd.map((kv) => [kv.key, kv.value])),
    meta: Object.fromEntries(model.meta.map((kv) => [kv.key, kv.value])),
    input: { shape: inT.shape.slice(), dtype: dtypeName(inT.dtype) },
    layers,
    totals: {
      params: sum((l) => l.params),
      paramBytes: sum((l) => l.paramBytes),
      macs: sum((l) => l.macs),
      binaryMacs: sum((l) => l.binaryMacs),
      flops: sum((l) => l.flops),
      activationBytes: sum((l) => l.activationBytes) + activationBytes(inT.dtype, inT.shape),
      arenaPeakBytes: plan.peak,
      fileBytes,
    },
  };
}

function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

function kib(n: number): string {
  return `${(n / 1024).toFixed(2)} KiB`;
}

/** The human table `earshot inspect` prints. */
export function formatReport(r: ModelReport): string {
  const lines: string[] = [];
  lines.push(
    `model ${r.modelId} v${r.modelVersion} (format v${r.formatVersion}), labels: ${r.labels.join(", ")}`,
  );
  lines.push(
    `input ${r.input.dtype} [${r.input.shape.join("x")}], threshold ${r.threshold}, smoothing ${r.smoothingWindow}`,
  );
  const fe = Object.entries(r.frontEnd);
  if (fe.length > 0) lines.push(`front end: ${fe.map(([k, v]) => `${k}=${v}`).join(" ")}`);
  const header = ["#", "op", "output", "weights", "params", "bytes", "MACs", "FLOPs", "act bytes"];
  const rows = r.layers.map((l) => [
    String(l.index),
    l.op,
    `${l.output.dtype}[${l.output.shape.join("x")}]`,
    l.weights ? `[${l.weights.shape.join("x")}]@${l.weights.bits}b` : "-",
    fmt(l.params),
    fmt(l.paramBytes),
    l.binaryMacs > 0 ? `${fmt(l.binaryMacs)}b` : fmt(l.macs),
    fmt(l.flops),
    fmt(l.activationBytes),
  ]);
  const t = r.totals;
  rows.push([
    "",
    "total",
    "",
    "",
    fmt(t.params),
    fmt(t.paramBytes),
    `${fmt(t.macs)}${t.binaryMacs > 0 ? ` + ${fmt(t.binaryMacs)}b` : ""}`,
    fmt(t.flops),
    fmt(t.activationBytes),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i <= 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  lines.push(line(header));
  for (const row of rows) lines.push(line(row));
  lines.push(
    `parameters ${kib(t.paramBytes)} at stored widths; arena peak ${kib(t.arenaPeakBytes)} (greedy plan)${t.fileBytes === null ? "" : `; file ${kib(t.fileBytes)}`}`,
  );
  if (t.binaryMacs > 0) lines.push("(b = binary ±1 MACs, computed 32 per XNOR + popcount)");
  return lines.join("\n");
}
