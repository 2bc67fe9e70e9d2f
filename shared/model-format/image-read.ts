/**
 * Device image bytes -> the prepared model, on the device (ES5 device code: the image bundles
 * run it; it needs the engine's JSON.parse, so no Lua). A device image (image-write.ts, README "Device images") is a model file the host
 * has already decoded, validated in full and prepared: the device reads its structure with the
 * engine's own JSON.parse and its constants with the unpacker the model decoder uses, so the
 * bundle that loads images carries none of the decoder, the graph checks or the op preparers.
 *
 * The reader trusts what it reads, as the trusting device profiles do: the host made the image
 * from a model it validated, and the transport (OTA manifest) verified the bytes. It refuses
 * what is not an image of this version and what does not parse, and nothing more.
 */

import { bytesToWords, unpackBits } from "../quant/pack";
import { float64FromWords } from "./bytes";
import type { ConstantStorage } from "./decode";
import { ModelFormatError } from "./errors";
import type { DeviceModel, DeviceOp, DeviceTensor, KeyValue } from "./types";
import { DT_BIN, DT_UINT8 } from "./types";

/** "ESHI": an earshot device image (a model file starts "ESHT"). */
export const IMAGE_MAGIC: number[] = [0x45, 0x53, 0x48, 0x49];
export const IMAGE_VERSION = 1;
/** Magic, version u16, reserved u16, total u32, JSON bytes u32, float count u32. */
export const IMAGE_HEADER_BYTES = 20;
/**
 * The JSON's stand-in for floats: `{"#": k}` is entry k of the image's float64 table, and
 * `{"#": [k, n]}` the array of its n entries from k.
 */
export const FLOAT_REF = "#";

/** Characters per String.fromCharCode call: one call per block, not one per byte. */
const CHARS_PER_CALL = 256;

/**
 * The n bytes at `at` as a string of one character each. Device engines hand the image over as
 * a Uint8Array, whose subarray is a view (no copy); a plain array is sliced.
 */
function bytesText(bytes: number[], at: number, n: number): string {
  const view = (bytes as unknown as { subarray?: (a: number, b: number) => number[] }).subarray;
  let text = "";
  for (let i = 0; i < n; i += CHARS_PER_CALL) {
    const end = i + CHARS_PER_CALL < n ? at + i + CHARS_PER_CALL : at + n;
    const part = view !== undefined ? view.call(bytes, at + i, end) : bytes.slice(at + i, end);
    text += String.fromCharCode.apply(null, part);
  }
  return text;
}

function u32(b: number[], p: number): number {
  return b[p] + b[p + 1] * 256 + b[p + 2] * 65536 + b[p + 3] * 16777216;
}

/** Replaces every float stand-in in `v` with its values, in place; returns the result. */
function restoreFloats(v: unknown, floats: number[]): unknown {
  if (v === null || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  const k = o[FLOAT_REF];
  if (typeof k === "number") return floats[k];
  if (k !== undefined) {
    const r = k as number[];
    return floats.slice(r[0], r[0] + r[1]);
  }
  for (const key in o) o[key] = restoreFloats(o[key], floats);
  return o;
}

function keyValues(rows: unknown[][]): KeyValue[] {
  const out: KeyValue[] = [];
  for (let i = 0; i < rows.length; i++)
    out.push({ key: rows[i][0] as string, value: rows[i][1] as number });
  return out;
}

/**
 * Reads a device image. `storage` receives each constant tensor's values, as the model
 * decoder's does. Throws ModelFormatError when the bytes are not a whole image of this version.
 */
/**
 * A device image read: the model, its ops' rows as the image holds them (imagePreparedOps,
 * image-ops.ts, makes the prepared ops of them), and the run plan the host recorded (null:
 * none).
 */
export interface DeviceImage {
  model: DeviceModel;
  rows: unknown[];
  plan: unknown;
}

export function readDeviceImage(bytes: number[], storage: ConstantStorage): DeviceImage {
  const len = bytes.length;
  if (len < IMAGE_HEADER_BYTES)
    throw new ModelFormatError(`truncated device image: ${len} bytes`, len);
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== IMAGE_MAGIC[i])
      throw new ModelFormatError(
        "bad magic: not an earshot device image (expected ESHI; make one with earshot device image)",
        i,
      );
  }
  const version = bytes[4] + bytes[5] * 256;
  if (version !== IMAGE_VERSION)
    throw new ModelFormatError(`unknown device image version ${version}`, 4);
  if (u32(bytes, 8) !== len)
    throw new ModelFormatError(`device image is ${len} bytes, its header says ${u32(bytes, 8)}`, 8);
  const jsonBytes = u32(bytes, 12);
  const nFloats = u32(bytes, 16);
  const floats: number[] = [];
  let p = IMAGE_HEADER_BYTES;
  for (let i = 0; i < nFloats; i++, p += 8)
    floats.push(float64FromWords(u32(bytes, p + 4), u32(bytes, p)));
  const text = bytesText(bytes, p, jsonBytes);
  let doc: unknown[][];
  try {
    doc = restoreFloats(JSON.parse(text), floats) as unknown[][];
  } catch (e) {
    throw new ModelFormatError(`device image structure does not parse: ${(e as Error).message}`, p);
  }
  // The constants follow the JSON; each tensor row gives its data's offset from here.
  const dataAt = p + jsonBytes;
  const m = doc[0];
  const tensors: DeviceTensor[] = [];
  for (let i = 0; i < doc[1].length; i++) {
    const t = doc[1][i] as unknown[];
    const dtype = t[1] as number;
    const bits = t[2] as number;
    const shape = t[3] as number[];
    const at = t[6] as number;
    const count = t[7] as number;
    let data: number[] | null = null;
    if (at >= 0) {
      data = storage(count, dtype, bits);
      if (dtype === DT_BIN) bytesToWords(bytes, dataAt + at, count, data);
      else unpackBits(bytes, dataAt + at, count, bits, dtype !== DT_UINT8, data);
    }
    tensors.push({
      name: t[0] as string,
      dtype,
      bits,
      shape,
      data,
      scales: t[4] as number[],
      zeroPoint: t[5] as number,
    });
  }
  const ops: DeviceOp[] = [];
  const rows = doc[2];
  for (let i = 0; i < rows.length; i++) {
    const o = rows[i] as unknown[];
    ops.push({
      code: o[0] as number,
      inputs: o[1] as number[],
      outputs: o[2] as number[],
      attrs: o[3] as number[],
    });
  }
  const model: DeviceModel = {
    formatVersion: m[0] as number,
    modelId: m[1] as string,
    modelVersion: m[2] as number,
    labels: m[3] as string[],
    frontEnd: keyValues(m[4] as unknown[][]),
    threshold: m[5] as number,
    smoothingWindow: m[6] as number,
    meta: keyValues(m[7] as unknown[][]),
    tensors,
    ops,
    input: m[8] as number,
    output: m[9] as number,
  };
  return { model, rows, plan: doc.length > 3 ? doc[3] : null };
}
