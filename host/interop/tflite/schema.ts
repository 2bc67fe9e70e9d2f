/**
 * The part of TensorFlow Lite's model schema (tensorflow/lite/schema/schema.fbs) earshot reads,
 * walked with our flatbuffer reader into plain objects. Field numbers are the schema's field
 * order; enum values are the schema's.
 */
import { TfliteError } from "./errors";
import { FlatBuffer, type Table } from "./flatbuffer";

/** TensorType values earshot handles. */
export const TT_FLOAT32 = 0;
export const TT_INT32 = 2;
export const TT_UINT8 = 3;
export const TT_INT64 = 4;
export const TT_INT16 = 7;
export const TT_INT8 = 9;

const TENSOR_TYPE_NAMES: { [t: number]: string } = {
  0: "FLOAT32",
  1: "FLOAT16",
  2: "INT32",
  3: "UINT8",
  4: "INT64",
  5: "STRING",
  6: "BOOL",
  7: "INT16",
  8: "COMPLEX64",
  9: "INT8",
  10: "FLOAT64",
};

export function tensorTypeName(t: number): string {
  return TENSOR_TYPE_NAMES[t] ?? `type ${t}`;
}

/** BuiltinOperator codes of the ops the importer maps, and names for refusals. */
export const OP = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  FULLY_CONNECTED: 9,
  MAX_POOL_2D: 17,
  RESHAPE: 22,
  SOFTMAX: 25,
} as const;

// biome-ignore format: a name table
const BUILTIN_NAMES: { [c: number]: string } = {
  0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
  5: "DEPTH_TO_SPACE", 6: "DEQUANTIZE", 7: "EMBEDDING_LOOKUP", 8: "FLOOR", 9: "FULLY_CONNECTED",
  12: "L2_POOL_2D", 14: "LOGISTIC", 16: "LSTM", 17: "MAX_POOL_2D", 18: "MUL", 19: "RELU",
  21: "RELU6", 22: "RESHAPE", 23: "RESIZE_BILINEAR", 25: "SOFTMAX", 27: "SVDF", 28: "TANH",
  34: "PAD", 39: "TRANSPOSE", 40: "MEAN", 41: "SUB", 42: "DIV", 43: "SQUEEZE", 45: "STRIDED_SLICE",
  49: "SPLIT", 53: "CAST", 55: "MAXIMUM", 57: "MINIMUM", 56: "ARG_MAX", 65: "SLICE", 74: "SUM", 75: "SQRT", 76: "RSQRT",
  77: "SHAPE", 82: "REDUCE_MAX", 83: "PACK", 88: "UNPACK", 97: "HARD_SWISH", 114: "QUANTIZE",
  32: "CUSTOM",
};

export interface TfliteQuant {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
}

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: number;
  buffer: number;
  quant: TfliteQuant | null;
}

export interface TfliteOperator {
  index: number;
  /** Builtin code, or -1 for a custom op (then `custom` names it). */
  builtin: number;
  name: string;
  inputs: number[];
  outputs: number[];
  /** The builtin options table (read per op by the importer), or null. */
  options: Table | null;
  /** Custom ops' options (a FlexBuffer), or null. */
  customOptions: Uint8Array | null;
}

export interface TfliteModel {
  version: number;
  description: string;
  tensors: TfliteTensor[];
  operators: TfliteOperator[];
  inputs: number[];
  outputs: number[];
  /** Buffer contents by index (empty when the buffer has no data). */
  buffers: Uint8Array[];
}

/** The op's name as TFLite spells it (BuiltinOperator enum, or the custom code). */
export function builtinName(code: number): string {
  return BUILTIN_NAMES[code] ?? `BUILTIN_${code}`;
}

function readOpCode(t: Table): { builtin: number; name: string } {
  // builtin_code (field 3, int32) superseded deprecated_builtin_code (field 0, int8) at 127.
  const dep = t.i8(0, 0);
  const full = t.i32(3, 0);
  const code = Math.max(dep, full);
  if (code === 32) {
    const custom = t.string(1) ?? "?";
    return { builtin: -1, name: `CUSTOM(${custom})` };
  }
  return { builtin: code, name: builtinName(code) };
}

function readQuant(t: Table | null): TfliteQuant | null {
  if (t === null) return null;
  const scale = t.f32s(2);
  if (scale === null || scale.length === 0) return null;
  const zeroPoint = t.i64s(3) ?? [];
  return { scale, zeroPoint, quantizedDimension: t.i32(6, 0) };
}

/** Parses a .tflite file (one subgraph). Throws TfliteError on anything malformed. */
export function readTflite(bytes: Uint8Array): TfliteModel {
  if (bytes.length < 8)
    throw new TfliteError(`not a TFLite file: ${bytes.length} bytes`, "tflite-malformed");
  const id4 = Array.from(bytes.subarray(4, 8));
  const ident = id4.every((b) => b >= 0x20 && b < 0x7f)
    ? String.fromCharCode(...id4)
    : id4.map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join("");
  if (ident !== "TFL3") {
    throw new TfliteError(
      `not a TFLite file: identifier "${ident}", expected "TFL3"`,
      "tflite-malformed",
    );
  }
  const fb = new FlatBuffer(bytes);
  const root = fb.root();
  const version = root.u32(0, 0);
  if (version !== 3) throw new TfliteError(`unsupported TFLite schema version ${version}`);
  const codes = root.tables(1, "operator code").map(readOpCode);
  const subgraphs = root.tables(2, "subgraph");
  if (subgraphs.length !== 1) {
    throw new TfliteError(`expected 1 subgraph, found ${subgraphs.length}`, "tflite-unsupported");
  }
  const buffers = root.tables(4, "buffer").map((b) => {
    if (b.field(1, 8) >= 0 && b.fb.i64(b.field(1, 8)) > 1) {
      throw new TfliteError(
        "buffers stored outside the flatbuffer (large model layout) are not supported",
        "tflite-unsupported",
      );
    }
    return b.bytes(0) ?? new Uint8Array(0);
  });
  const sg = subgraphs[0];
  const tensors = sg.tables(0, "tensor").map((t, index): TfliteTensor => {
    const buffer = t.u32(2, 0);
    if (buffer >= buffers.length && buffer !== 0) {
      fb.fail(`tensor ${index} buffer index ${buffer} of ${buffers.length}`, t.pos);
    }
    return {
      index,
      name: t.string(3) ?? `t${index}`,
      shape: t.i32s(0) ?? [],
      type: t.u8(1, 0),
      buffer,
      quant: readQuant(t.table(4, `tensor ${index} quantization`)),
    };
  });
  const checkIdx = (ids: number[], what: string, at: number): number[] => {
    for (const i of ids)
      if (i < -1 || i >= tensors.length) fb.fail(`${what} tensor index ${i}`, at);
    return ids;
  };
  const operators = sg.tables(3, "operator").map((o, index): TfliteOperator => {
    const ci = o.u32(0, 0);
    if (ci >= codes.length)
      fb.fail(`operator ${index} opcode index ${ci} of ${codes.length}`, o.pos);
    return {
      index,
      builtin: codes[ci].builtin,
      name: codes[ci].name,
      inputs: checkIdx(o.i32s(1) ?? [], `operator ${index} input`, o.pos),
      outputs: checkIdx(o.i32s(2) ?? [], `operator ${index} output`, o.pos),
      options: o.table(4, `operator ${index} options`),
      customOptions: o.bytes(5),
    };
  });
  return {
    version,
    description: root.string(3) ?? "",
    tensors,
    operators,
    inputs: checkIdx(sg.i32s(1) ?? [], "subgraph input", sg.pos),
    outputs: checkIdx(sg.i32s(2) ?? [], "subgraph output", sg.pos),
    buffers,
  };
}
