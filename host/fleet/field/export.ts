/**
 * `earshot field export`: the windows the service holds for a model, labelled by the verifier,
 * with the device model's input normalization undone, written as a field-windows dataset
 * (host/data/field-windows.ts) that `earshot train --field-windows DIR:SHARE` reads.
 */
import { mkdirSync } from "node:fs";
import { readInputNorm } from "../../../shared/features/input-norm";
import { decodeModel } from "../../../shared/model-format/decode";
import {
  FIELD_WINDOWS_FORMAT,
  type FieldWindowInfo,
  labelFor,
  writeFieldWindows,
} from "../../data/field-windows";
import { FleetError } from "../errors";
import type { WindowRow } from "./near-misses";

const bad = (msg: string) => new FleetError(msg);

export interface ExportSummary {
  out: string;
  windows: number;
  byLabel: Record<string, number>;
  skipped: { unverified: number; otherShape: number };
}

export function exportWindows(
  rows: WindowRow[],
  verifierThreshold: number | null,
  modelBytes: Uint8Array,
  model: string,
  out: string,
): ExportSummary {
  if (verifierThreshold === null)
    throw bad(
      "the service runs no verifier: windows cannot be labelled (start it with --verifier)",
    );
  const m = decodeModel([...modelBytes]);
  const input = m.tensors[m.input];
  const frames = input.shape[0];
  const coeffs = input.shape.length > 1 ? input.shape[1] : 1;
  const norm = readInputNorm(m.meta, coeffs);
  const kept: { row: WindowRow; info: FieldWindowInfo }[] = [];
  let unverified = 0;
  let otherShape = 0;
  for (const row of rows) {
    if (row.verifierScore === null || row.verifierScore < 0) {
      unverified++;
      continue;
    }
    if (row.featureShape[0] !== frames || (row.featureShape[1] ?? 1) !== coeffs) {
      otherShape++;
      continue;
    }
    kept.push({
      row,
      info: {
        label: labelFor(row.keyword, row.verifierScore, verifierThreshold),
        kind: row.nearMiss ? "nearMiss" : "detection",
        device: row.device,
        keyword: row.keyword,
        score: row.score,
        verifierScore: row.verifierScore,
      },
    });
  }
  if (kept.length === 0)
    throw bad(
      `no labelled ${frames}x${coeffs} windows of ${model} (${unverified} unverified, ${otherShape} of another shape)`,
    );
  const size = frames * coeffs;
  const data = new Float32Array(kept.length * size);
  kept.forEach(({ row }, i) => {
    const q = new Int8Array(Buffer.from(row.features, "base64"));
    for (let j = 0; j < size; j++) {
      const c = j % coeffs;
      const x = q[j] * row.featureScale;
      data[i * size + j] = norm ? x * norm.std[c] + norm.mean[c] : x;
    }
  });
  mkdirSync(out, { recursive: true });
  writeFieldWindows(
    out,
    {
      format: FIELD_WINDOWS_FORMAT,
      model,
      frames,
      coeffs,
      frontEnd: Object.fromEntries(m.frontEnd.map((kv) => [kv.key, kv.value])),
      verifierThreshold,
      windows: kept.map((k) => k.info),
    },
    data,
  );
  const byLabel: Record<string, number> = {};
  for (const k of kept) byLabel[k.info.label] = (byLabel[k.info.label] ?? 0) + 1;
  return { out, windows: kept.length, byLabel, skipped: { unverified, otherShape } };
}
