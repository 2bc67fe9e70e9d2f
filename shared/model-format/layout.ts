/** Fixed parts of the v1 file layout (full description: shared/model-format/README.md). */
import { DT_BIN, DT_FLOAT32, DT_INT8, DT_INT16, DT_INT32, DT_UINT8 } from "./types";

/** "ESHT" */
export const MAGIC: number[] = [0x45, 0x53, 0x48, 0x54];
export const FORMAT_VERSION = 1;
/** magic(4) version(2) flags(2) totalLength(4) */
export const PREAMBLE_BYTES = 12;
export const DIGEST_BYTES = 32;
export const MAX_RANK = 6;
/** Limits that keep a hostile file from making the decoder allocate without bound. */
export const MAX_ELEMENTS = 16777216;

/** Storage bit widths a tensor of `dtype` may use for its data. */
export function allowedBits(dtype: number, bits: number): boolean {
  if (dtype === DT_INT8) return bits === 2 || bits === 4 || bits === 5 || bits === 8;
  if (dtype === DT_UINT8) return bits === 8;
  if (dtype === DT_INT16) return bits === 16;
  if (dtype === DT_INT32) return bits === 32;
  if (dtype === DT_BIN) return bits === 1;
  if (dtype === DT_FLOAT32) return bits === 32;
  return false;
}

/** Value range of an integer dtype: [min, max]. */
export function dtypeRange(dtype: number): number[] {
  if (dtype === DT_INT8) return [-128, 127];
  if (dtype === DT_UINT8) return [0, 255];
  if (dtype === DT_INT16) return [-32768, 32767];
  if (dtype === DT_INT32) return [-2147483648, 2147483647];
  return [0, 0];
}

export function dtypeName(dtype: number): string {
  if (dtype === DT_INT8) return "int8";
  if (dtype === DT_UINT8) return "uint8";
  if (dtype === DT_INT16) return "int16";
  if (dtype === DT_INT32) return "int32";
  if (dtype === DT_BIN) return "bin";
  if (dtype === DT_FLOAT32) return "float32";
  return `dtype${dtype}`;
}

/** Product of a shape's dimensions. */
export function numel(shape: number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Number of stored values: elements, or for DT_BIN packed words (last axis packed). */
export function storedCount(dtype: number, shape: number[]): number {
  if (dtype !== DT_BIN) return numel(shape);
  if (shape.length === 0) return 1;
  const last = shape[shape.length - 1];
  return Math.floor(numel(shape) / last) * Math.floor((last + 31) / 32);
}

/** Bytes of a tensor's stored data. */
export function storedBytes(dtype: number, bits: number, shape: number[]): number {
  if (dtype === DT_BIN) return storedCount(dtype, shape) * 4;
  return Math.floor((numel(shape) * bits + 7) / 8);
}

/** Element width of an activation of `dtype` (the `bits` an activation tensor declares). */
export function naturalBits(dtype: number): number {
  if (dtype === DT_BIN) return 1;
  if (dtype === DT_INT8 || dtype === DT_UINT8) return 8;
  if (dtype === DT_INT16) return 16;
  return 32;
}
