/** `earshot export --format onnx`: a device model file to an ONNX file (temp + rename). */
import { readFile, rename, writeFile } from "node:fs/promises";
import { decodeModel } from "../../../shared/model-format/decode";
import { exportOnnx, OnnxExportError, type OnnxPrecision } from "./export";

export interface OnnxFileResult {
  out: string;
  bytes: number;
  precision: OnnxPrecision;
  nodes: number;
}

export async function exportOnnxFile(
  model: string,
  out: string,
  precision: OnnxPrecision,
): Promise<OnnxFileResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(model);
  } catch (e) {
    throw new OnnxExportError(`cannot read '${model}': ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  const m = decodeModel(Array.from(bytes));
  const onnx = exportOnnx(m, precision);
  const tmp = `${out}.tmp-${process.pid}`;
  await writeFile(tmp, onnx);
  await rename(tmp, out);
  return { out, bytes: onnx.length, precision, nodes: m.ops.length };
}
