/** DeviceModel -> file bytes (format v1). Runs on the host, but stays portable. */
import { sha256 } from "../portable/sha256";
import { packBits, wordsToBytes } from "../quant/pack";
import { ByteWriter } from "./bytes";
import { DIGEST_BYTES, FORMAT_VERSION, MAGIC } from "./layout";
import type { DeviceModel, DeviceTensor, KeyValue } from "./types";
import { DT_BIN, DT_UINT8 } from "./types";

function writeKeyValues(w: ByteWriter, kvs: KeyValue[]): void {
  w.u16(kvs.length);
  for (let i = 0; i < kvs.length; i++) {
    w.str(kvs[i].key);
    w.f64(kvs[i].value);
  }
}

/** Stored bytes of a tensor's data (bitstream, or words for DT_BIN). */
export function tensorDataBytes(t: DeviceTensor): number[] {
  if (t.data === null) return [];
  if (t.dtype === DT_BIN) return wordsToBytes(t.data);
  return packBits(t.data, t.bits, t.dtype !== DT_UINT8);
}

function writeTensor(w: ByteWriter, t: DeviceTensor): void {
  w.str(t.name);
  w.u8(t.dtype);
  w.u8(t.bits);
  w.u8(t.shape.length);
  for (let i = 0; i < t.shape.length; i++) w.u32(t.shape[i]);
  w.u8(t.data === null ? 0 : 1);
  w.u16(t.scales.length);
  for (let i = 0; i < t.scales.length; i++) w.f64(t.scales[i]);
  w.i32(t.zeroPoint);
  if (t.data !== null) {
    const data = tensorDataBytes(t);
    w.u32(data.length);
    w.raw(data);
  }
}

/**
 * Serializes a model. Throws Error for values the format cannot hold (non-ASCII names, values
 * outside a tensor's bit width); it does not run the decoder's graph validation.
 */
export function encodeModel(m: DeviceModel): number[] {
  const w = new ByteWriter();
  w.raw(MAGIC);
  w.u16(FORMAT_VERSION);
  w.u16(0);
  w.u32(0); // total length, patched below
  w.str(m.modelId);
  w.u32(m.modelVersion);
  w.u16(m.labels.length);
  for (let i = 0; i < m.labels.length; i++) w.str(m.labels[i]);
  writeKeyValues(w, m.frontEnd);
  w.f64(m.threshold);
  w.u16(m.smoothingWindow);
  writeKeyValues(w, m.meta);
  w.u16(m.tensors.length);
  for (let i = 0; i < m.tensors.length; i++) writeTensor(w, m.tensors[i]);
  w.u16(m.ops.length);
  for (let i = 0; i < m.ops.length; i++) {
    const op = m.ops[i];
    w.u8(op.code);
    w.u8(op.inputs.length);
    w.u8(op.outputs.length);
    w.u8(op.attrs.length);
    for (let k = 0; k < op.inputs.length; k++) w.u16(op.inputs[k]);
    for (let k = 0; k < op.outputs.length; k++) w.u16(op.outputs[k]);
    for (let k = 0; k < op.attrs.length; k++) w.i32(op.attrs[k]);
  }
  w.u16(m.input);
  w.u16(m.output);
  const bytes = w.bytes;
  let total = bytes.length + DIGEST_BYTES;
  for (let i = 8; i < 12; i++) {
    bytes[i] = total % 256;
    total = Math.floor(total / 256);
  }
  const digest = sha256(bytes);
  for (let i = 0; i < digest.length; i++) bytes.push(digest[i]);
  return bytes;
}
