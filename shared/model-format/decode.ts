/**
 * File bytes -> DeviceModel (format v1), strict: every malformed input ends in a
 * ModelFormatError naming the problem and its byte offset; nothing else is thrown.
 */
import { bytesToWords, unpackBits } from "../quant/pack";
import { ByteReader } from "./bytes";
import { checkDetectionFields } from "./detection";
import { checkDigest } from "./digest";
import { ModelFormatError } from "./errors";
import {
  allowedBits,
  DIGEST_BYTES,
  FORMAT_VERSION,
  MAGIC,
  MAX_ELEMENTS,
  MAX_RANK,
  PREAMBLE_BYTES,
  storedBytes,
  storedCount,
} from "./layout";
import { type PreparedModel, prepareModel } from "./prepare";
import type { DeviceModel, DeviceOp, DeviceTensor, KeyValue } from "./types";
import { DT_BIN, DT_UINT8 } from "./types";

function readKeyValues(r: ByteReader, what: string): KeyValue[] {
  r.ctx = what;
  const n = r.u16("count");
  const out: KeyValue[] = [];
  for (let i = 0; i < n; i++) {
    const key = r.str("key");
    const value = r.f64("value");
    out.push({ key, value });
  }
  return out;
}

/**
 * Where a constant tensor's decoded values go: `count` elements of `dtype` stored at `bits`
 * (DT_BIN: packed int32 words). Plain arrays by default; a device passes typed arrays sized to
 * the values (device/runtime/memory.ts) so a model never sits in memory as one number per slot.
 */
export type ConstantStorage = (count: number, dtype: number, bits: number) => number[];

export function plainStorage(count: number, _dtype: number, _bits: number): number[] {
  const data: number[] = [];
  for (let k = 0; k < count; k++) data.push(0);
  return data;
}

function readTensor(r: ByteReader, index: number, storage: ConstantStorage): DeviceTensor {
  const what = `tensor ${index}`;
  r.ctx = what;
  const name = r.str("name");
  const at = r.pos;
  const dtype = r.u8("dtype");
  const bits = r.u8("bits");
  if (!allowedBits(dtype, bits)) {
    throw new ModelFormatError(
      `${what} "${name}": dtype ${dtype} with ${bits} bits is not allowed`,
      at,
    );
  }
  const rankAt = r.pos;
  const rank = r.u8("rank");
  if (rank > MAX_RANK)
    throw new ModelFormatError(`${what} "${name}": rank ${rank} > ${MAX_RANK}`, rankAt);
  const shape: number[] = [];
  let n = 1;
  for (let k = 0; k < rank; k++) {
    const dimAt = r.pos;
    const d = r.u32("shape");
    n *= d;
    if (d < 1 || n > MAX_ELEMENTS) {
      throw new ModelFormatError(
        `${what} "${name}": dimension ${d} gives ${n} elements (1..${MAX_ELEMENTS})`,
        dimAt,
      );
    }
    shape.push(d);
  }
  const flagsAt = r.pos;
  const flags = r.u8("flags");
  if (flags > 1) throw new ModelFormatError(`${what} "${name}": unknown flags ${flags}`, flagsAt);
  const nScales = r.u16("scale count");
  r.need(nScales * 8, "scales");
  const scales: number[] = [];
  for (let k = 0; k < nScales; k++) scales.push(r.f64("scales"));
  const zeroPoint = r.i32("zero point");
  let data: number[] | null = null;
  if (flags === 1) {
    const lenAt = r.pos;
    const len = r.u32("data length");
    const want = storedBytes(dtype, bits, shape);
    if (len !== want) {
      throw new ModelFormatError(
        `${what} "${name}": data is ${len} bytes, shape and ${bits}-bit width need ${want}`,
        lenAt,
      );
    }
    r.need(len, "data");
    const count = storedCount(dtype, shape);
    data = storage(count, dtype, bits);
    if (dtype === DT_BIN) bytesToWords(r.bytes, r.pos, count, data);
    else unpackBits(r.bytes, r.pos, count, bits, dtype !== DT_UINT8, data);
    r.pos += len;
  }
  return { name, dtype, bits, shape, data, scales, zeroPoint };
}

function readOp(r: ByteReader, index: number, nTensors: number): DeviceOp {
  const what = `op ${index}`;
  r.ctx = what;
  const code = r.u8("code");
  const nIn = r.u8("input count");
  const nOut = r.u8("output count");
  const nAttr = r.u8("attribute count");
  const inputs: number[] = [];
  const outputs: number[] = [];
  const attrs: number[] = [];
  for (let k = 0; k < nIn + nOut; k++) {
    const at = r.pos;
    const t = r.u16("operand");
    if (t >= nTensors)
      throw new ModelFormatError(
        `${what}: tensor index ${t} out of range (${nTensors} tensors)`,
        at,
      );
    if (k < nIn) inputs.push(t);
    else outputs.push(t);
  }
  for (let k = 0; k < nAttr; k++) attrs.push(r.i32("attribute"));
  return { code, inputs, outputs, attrs };
}

/** Decodes and validates a model file; throws ModelFormatError on any defect. */
export function decodeModel(bytes: number[]): DeviceModel {
  return decode(bytes, true).model;
}

/** As decodeModel, keeping the prepared ops its validation derived (a runtime needs them). */
export function decodePrepared(
  bytes: number[],
  storage: ConstantStorage = plainStorage,
): PreparedModel {
  return decode(bytes, true, storage);
}

/**
 * As decodeModel but without comparing the SHA-256 digest: for callers that verified the bytes
 * already (an OTA image whose signed manifest covers them) and for fuzzing the parser.
 */
export function decodeModelUnverified(bytes: number[]): DeviceModel {
  return decode(bytes, false).model;
}

function decode(
  bytes: number[],
  verify: boolean,
  storage: ConstantStorage = plainStorage,
): PreparedModel {
  const len = bytes.length;
  if (len < PREAMBLE_BYTES + DIGEST_BYTES) {
    throw new ModelFormatError(
      `truncated file: ${len} bytes, a model file has at least ${PREAMBLE_BYTES + DIGEST_BYTES}`,
      len,
    );
  }
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== MAGIC[i])
      throw new ModelFormatError("bad magic: not an earshot model file (expected ESHT)", i);
  }
  const head = new ByteReader(bytes, 4, PREAMBLE_BYTES);
  const version = head.u16("format version");
  if (version !== FORMAT_VERSION) {
    throw new ModelFormatError(
      `unknown format version ${version} (this decoder reads ${FORMAT_VERSION})`,
      4,
    );
  }
  const flags = head.u16("flags");
  if (flags !== 0) throw new ModelFormatError(`unknown header flags ${flags}`, 6);
  const total = head.u32("total length");
  if (total > len)
    throw new ModelFormatError(`truncated file: header says ${total} bytes, got ${len}`, len);
  if (total < len)
    throw new ModelFormatError(
      `${len - total} trailing bytes after the ${total}-byte model`,
      total,
    );
  const bodyEnd = len - DIGEST_BYTES;
  if (verify) checkDigest(bytes, bodyEnd);

  const r = new ByteReader(bytes, PREAMBLE_BYTES, bodyEnd);
  const modelId = r.str("model id");
  const modelVersion = r.u32("model version");
  const nLabels = r.u16("label count");
  const labels: string[] = [];
  for (let i = 0; i < nLabels; i++) labels.push(r.str("label"));
  const frontEnd = readKeyValues(r, "front-end");
  r.ctx = "";
  const threshold = r.f64("threshold");
  const smoothingWindow = r.u16("smoothing window");
  const meta = readKeyValues(r, "metadata");
  r.ctx = "";
  const nTensors = r.u16("tensor count");
  const tensors: DeviceTensor[] = [];
  const tensorAt: number[] = [];
  for (let i = 0; i < nTensors; i++) {
    tensorAt.push(r.pos);
    tensors.push(readTensor(r, i, storage));
  }
  r.ctx = "";
  const nOps = r.u16("op count");
  const ops: DeviceOp[] = [];
  const opAt: number[] = [];
  for (let i = 0; i < nOps; i++) {
    opAt.push(r.pos);
    ops.push(readOp(r, i, nTensors));
  }
  r.ctx = "";
  const ioAt = r.pos;
  const input = r.u16("graph input");
  const output = r.u16("graph output");
  if (input >= nTensors || output >= nTensors) {
    throw new ModelFormatError(`graph input/output index out of range (${nTensors} tensors)`, ioAt);
  }
  if (r.pos !== bodyEnd)
    throw new ModelFormatError(`${bodyEnd - r.pos} unparsed bytes before the digest`, r.pos);
  const model: DeviceModel = {
    formatVersion: version,
    modelId,
    modelVersion,
    labels,
    frontEnd,
    threshold,
    smoothingWindow,
    meta,
    tensors,
    ops,
    input,
    output,
  };
  const prepared = prepareModel(model, tensorAt, opAt, ioAt);
  checkDetectionFields(model);
  return { model, ops: prepared };
}
