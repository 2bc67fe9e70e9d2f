/**
 * `earshot export`: checkpoint folder -> device model file. Calibration features give the
 * activation ranges; the checkpoint's labels, front end and input normalization go into the
 * header (normalization as meta keys `inputNorm.mean.<c>` / `inputNorm.std.<c>`: the graph input
 * is the normalized feature map, (x - mean[c]) / std[c] per coefficient).
 */
import { writeFile } from "node:fs/promises";
import type { FrontEndConfig } from "../../shared/features";
import { encodeModel } from "../../shared/model-format/encode";
import type { DeviceModel, KeyValue } from "../../shared/model-format/types";
import { type CompressedMeta, loadModelDir } from "./checkpoint";
import { loadFeatures } from "./data";
import { calibrate, exportModel } from "./export";
import { calibrateInputRanges } from "./ptq";
import { isQuantLayer } from "./qlayers";

export function frontEndKeys(f: FrontEndConfig): KeyValue[] {
  const out: KeyValue[] = [{ key: "kind", value: f.kind === "mfcc" ? 0 : 1 }];
  for (const [key, value] of Object.entries(f))
    if (typeof value === "number") out.push({ key, value });
  return out;
}

export function normKeys(meta: CompressedMeta): KeyValue[] {
  const out: KeyValue[] = [];
  meta.inputNorm.mean.forEach((v, c) => {
    out.push({ key: `inputNorm.mean.${c}`, value: v });
  });
  meta.inputNorm.std.forEach((v, c) => {
    out.push({ key: `inputNorm.std.${c}`, value: v });
  });
  return out;
}

export interface ExportFileOptions {
  model: string;
  out: string;
  calib: string;
  calibCount: number;
  percentile?: number;
  weightBits?: number;
  threshold?: number;
  smoothing?: number;
  cacheDir?: string | null;
  /** How the calibration dataset is split (its train subset calibrates); default auto. */
  splitMode?: "auto" | "speaker";
  /** Default inference stride (frames) stored in the file's metadata; absent: the runtime's 1. */
  strideFrames?: number;
}

export async function exportFile(
  o: ExportFileOptions,
): Promise<{ model: DeviceModel; bytes: number; meta: CompressedMeta }> {
  const { model, meta } = await loadModelDir(o.model);
  const calib = await loadFeatures(o.calib, meta, "train", {
    limit: o.calibCount,
    cacheDir: o.cacheDir,
    splitMode: o.splitMode,
  });
  // Quantized layers whose input ranges were never trained (e.g. a fresh binary net) get them now.
  const untrained = model.layers.some(
    (l) =>
      isQuantLayer(l) &&
      l.inputMin &&
      l.inputMax &&
      l.inputMax.read().dataSync()[0] <= l.inputMin.read().dataSync()[0],
  );
  if (untrained) calibrateInputRanges(model, calib.x, { percentile: o.percentile });
  const ranges = calibrate(model, calib.x, o.percentile);
  const dm = exportModel(model, {
    labels: meta.labels,
    modelId: `${meta.model.name}-${meta.precision ?? "float"}`,
    frontEnd: frontEndKeys(meta.frontEnd),
    threshold: o.threshold,
    smoothingWindow: o.smoothing,
    meta: [
      ...normKeys(meta),
      { key: "inputFrames", value: meta.inputShape[0] },
      ...(o.strideFrames !== undefined ? [{ key: "strideFrames", value: o.strideFrames }] : []),
    ],
    weightBits: o.weightBits,
    ranges,
  });
  const bytes = encodeModel(dm);
  await writeFile(o.out, new Uint8Array(bytes));
  calib.x.dispose();
  return { model: dm, bytes: bytes.length, meta };
}
