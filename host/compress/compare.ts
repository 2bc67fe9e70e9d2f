/**
 * Seed 003's comparison: post-training quantization vs quantization-aware fine-tuning of the
 * same float model at several weight widths (activations 8-bit throughout). PTQ calibrates
 * ranges on training features; QAT starts from the float weights, fine-tunes with the fake
 * quantizers in the loop, then recalibrates. Accuracy is measured on the test features with the
 * fake-quantized tfjs model and, when `exported` is set, with the exported integer file too.
 */
import type * as tf from "@tensorflow/tfjs";
import type { TopLevelSpec } from "vega-lite";
import type { DeviceModel } from "../../shared/model-format/types";
import { accuracy, type FeatureBatch } from "./data";
import { calibrate, exportModel } from "./export";
import { finetune } from "./finetune";
import { IntEvaluator } from "./int-eval";
import { applyPrecision } from "./precision";
import { calibrateInputRanges, postTrainingQuantize } from "./ptq";

export interface CompareRow {
  bits: number;
  method: "PTQ" | "QAT";
  accuracy: number;
  /** Accuracy of the exported integer model (null unless requested). */
  exportedAccuracy: number | null;
}

export interface CompareOptions {
  bits: number[];
  qatEpochs: number;
  qatLr?: number;
  calibCount?: number;
  exported?: boolean;
  labels: string[];
  onRow?: (r: CompareRow) => void;
}

export function integerAccuracy(
  model: tf.LayersModel,
  train: FeatureBatch,
  test: FeatureBatch,
  labels: string[],
  calibCount: number,
): number {
  const calib = train.x.slice([0], [Math.min(calibCount, train.labels.length)]);
  return deviceAccuracy(exportModel(model, { labels, ranges: calibrate(model, calib) }), test);
}

/** Top-1 accuracy of an exported model run by the integer evaluator. */
export function deviceAccuracy(dm: DeviceModel, test: FeatureBatch): number {
  const ev = new IntEvaluator(dm);
  const size = test.x.shape[1] * test.x.shape[2];
  const flat = test.x.dataSync();
  let correct = 0;
  for (let i = 0; i < test.labels.length; i++) {
    const s = ev.run(flat.subarray(i * size, (i + 1) * size)).scores;
    if (s.indexOf(Math.max(...s)) === test.labels[i]) correct++;
  }
  return correct / Math.max(1, test.labels.length);
}

export function ptqVsQat(
  float: tf.LayersModel,
  train: FeatureBatch,
  test: FeatureBatch,
  o: CompareOptions,
): CompareRow[] {
  const rows: CompareRow[] = [];
  const calibCount = o.calibCount ?? 256;
  const calib = train.x.slice([0], [Math.min(calibCount, train.labels.length)]);
  const push = (r: CompareRow) => {
    rows.push(r);
    o.onRow?.(r);
  };
  for (const bits of o.bits) {
    const ptq = postTrainingQuantize(float, calib, bits);
    push({
      bits,
      method: "PTQ",
      accuracy: accuracy(ptq, test),
      exportedAccuracy: o.exported ? integerAccuracy(ptq, train, test, o.labels, calibCount) : null,
    });
    const qat = applyPrecision(float, "int8", { weightBits: bits });
    calibrateInputRanges(qat, calib);
    finetune(qat, train, { epochs: o.qatEpochs, lr: o.qatLr ?? 1e-4 });
    calibrateInputRanges(qat, calib);
    push({
      bits,
      method: "QAT",
      accuracy: accuracy(qat, test),
      exportedAccuracy: o.exported ? integerAccuracy(qat, train, test, o.labels, calibCount) : null,
    });
  }
  return rows;
}

export function compareTable(rows: CompareRow[], floatAccuracy: number): string {
  const pct = (a: number | null) => (a === null ? "-" : `${(a * 100).toFixed(2)}%`);
  const lines = [
    `| weight bits | PTQ | QAT | PTQ exported | QAT exported |`,
    `| --- | --- | --- | --- | --- |`,
  ];
  for (const bits of [...new Set(rows.map((r) => r.bits))]) {
    const p = rows.find((r) => r.bits === bits && r.method === "PTQ");
    const q = rows.find((r) => r.bits === bits && r.method === "QAT");
    lines.push(
      `| ${bits} | ${pct(p?.accuracy ?? null)} | ${pct(q?.accuracy ?? null)} | ${pct(p?.exportedAccuracy ?? null)} | ${pct(q?.exportedAccuracy ?? null)} |`,
    );
  }
  lines.push(`| float | ${pct(floatAccuracy)} | | | |`);
  return lines.join("\n");
}

export function compareSpec(
  rows: CompareRow[],
  floatAccuracy: number,
  title: string,
): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    width: 360,
    height: 240,
    layer: [
      {
        data: {
          values: rows.map((r) => ({ bits: r.bits, method: r.method, accuracy: r.accuracy * 100 })),
        },
        mark: { type: "line", point: true },
        encoding: {
          x: {
            field: "bits",
            type: "quantitative",
            title: "weight bits",
            scale: { domain: [1, 9] },
          },
          y: {
            field: "accuracy",
            type: "quantitative",
            title: "test accuracy (%)",
            scale: { domain: [0, 100] },
          },
          color: { field: "method", type: "nominal" },
        },
      },
      {
        data: { values: [{ accuracy: floatAccuracy * 100 }] },
        mark: { type: "rule", strokeDash: [4, 4], color: "gray" },
        encoding: { y: { field: "accuracy", type: "quantitative" } },
      },
    ],
  } as TopLevelSpec;
}
