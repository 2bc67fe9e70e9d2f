/** `earshot import tflite`: read a .tflite file, convert, write the model file (temp + rename). */
import { readFile, rename, writeFile } from "node:fs/promises";
import { deviceFrontEndFromKeyValues } from "../../../device/runtime/frontend-config";
import { decodeModel } from "../../../shared/model-format/decode";
import { encodeModel } from "../../../shared/model-format/encode";
import { TfliteError } from "./errors";
import { type ImportOptions, importTflite } from "./import";
import { readTflite } from "./schema";

export interface ImportFileResult {
  out: string;
  bytes: number;
  ops: string[];
  labels: string[];
  input: number[];
  /** The front end recorded in the header ("none" when there is none). */
  frontEnd: string;
}

export async function importTfliteFile(
  file: string,
  out: string,
  opts: ImportOptions,
): Promise<ImportFileResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new TfliteError(
      `cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? e}`,
      "usage",
    );
  }
  const tfl = readTflite(new Uint8Array(bytes));
  const model = importTflite(tfl, opts);
  const encoded = encodeModel(model);
  // Validate with the device decoder before anything is written: a bad conversion stores nothing.
  const decoded = decodeModel(encoded);
  if (decoded.frontEnd.length > 0) deviceFrontEndFromKeyValues(decoded.frontEnd);
  const tmp = `${out}.tmp-${process.pid}`;
  await writeFile(tmp, Uint8Array.from(encoded));
  await rename(tmp, out);
  return {
    out,
    bytes: encoded.length,
    ops: tfl.operators.map((o) => o.name),
    labels: model.labels,
    input: model.tensors[model.input].shape,
    frontEnd:
      decoded.frontEnd.length > 0 ? deviceFrontEndFromKeyValues(decoded.frontEnd).kind : "none",
  };
}
