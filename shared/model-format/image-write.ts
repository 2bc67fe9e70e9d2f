/**
 * Model file bytes -> device image bytes (host side). The host decodes the model, verifying its
 * digest, and validates and prepares every op (decodePrepared): what the device would otherwise
 * redo at every boot. The image keeps exactly what the runtime reads (image-read.ts):
 *
 *   header   "ESHI", version u16, 0 u16, total bytes u32, JSON bytes u32, float count u32
 *   floats   float64 little-endian: the JSON refers to one as {"#": k}, to an array as {"#": [k, n]}
 *   JSON     ASCII: [model, tensors, ops] as positional arrays (below), kernel params as objects,
 *            then the run plan when a planner made one (device/runtime/run-plan.ts)
 *   data     each constant tensor's stored bytes, as in the model file (packed bit widths); a
 *            tensor row gives its data's offset from the start of this region
 *
 * Floats travel as bits, never as JSON text: an engine's number parser need not round
 * correctly, and the scales, normalization and thresholds must be the file's exact doubles.
 */
import { ByteWriter } from "./bytes";
import { decodePrepared } from "./decode";
import { tensorDataBytes } from "./encode";
import { FLOAT_REF, IMAGE_HEADER_BYTES, IMAGE_MAGIC, IMAGE_VERSION } from "./image-read";
import { storedCount } from "./layout";
import type { PreparedModel } from "./prepare";
import type { KeyValue } from "./types";

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const isInt32 = (v: unknown) =>
  typeof v === "number" &&
  Number.isInteger(v) &&
  v >= INT32_MIN &&
  v <= INT32_MAX &&
  !Object.is(v, -0);

/**
 * Every number that is not an int32 moves to `floats`: one as {"#": k}, an array of numbers
 * holding any as {"#": [k, n]} (its n values from k on).
 */
function liftFloats(v: unknown, floats: number[]): unknown {
  if (typeof v === "number") {
    if (isInt32(v)) return v;
    return { [FLOAT_REF]: floats.push(v) - 1 };
  }
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((x) => typeof x === "number") && !v.every(isInt32)) {
      const k = floats.length;
      floats.push(...(v as number[]));
      return { [FLOAT_REF]: [k, v.length] };
    }
    return v.map((x) => liftFloats(x, floats));
  }
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, x] of Object.entries(v)) {
      if (key === FLOAT_REF) throw new Error(`device image: a parameter is named "${FLOAT_REF}"`);
      out[key] = liftFloats(x, floats);
    }
    return out;
  }
  return v;
}

const kv = (list: KeyValue[]) => list.map((e) => [e.key, e.value]);

/** Non-ASCII characters as JSON escapes: the device builds the text one byte per character. */
function asciiJson(v: unknown): string {
  return JSON.stringify(v).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * The device image of a model file; throws ModelFormatError when the file is not a valid model
 * (the full host check: digest, structure, every op's operands and ranges). `planner` records
 * the run plan the whole-window image bundle replays (device/engines/image-plan.ts; the device
 * side of the repository passes it, this module cannot import the runtime).
 */
export function writeDeviceImage(
  modelBytes: ArrayLike<number>,
  planner: ((pm: PreparedModel) => unknown) | null = null,
): Uint8Array {
  const pm = decodePrepared(Array.from(modelBytes));
  const { model: m, ops } = pm;
  // Constants in tensor order; each row names its data's offset within the data region.
  const data = new ByteWriter();
  const tensors = m.tensors.map((t) => {
    const at = t.data === null ? -1 : data.bytes.length;
    if (t.data !== null) data.raw(tensorDataBytes(t));
    const count = storedCount(t.dtype, t.shape);
    return [t.name, t.dtype, t.bits, t.shape, t.scales, t.zeroPoint, at, count];
  });
  const floats: number[] = [];
  const json = asciiJson(
    liftFloats(
      [
        [
          m.formatVersion,
          m.modelId,
          m.modelVersion,
          m.labels,
          kv(m.frontEnd),
          m.threshold,
          m.smoothingWindow,
          kv(m.meta),
          m.input,
          m.output,
        ],
        tensors,
        ops.map((p) => [p.code, p.inputs, p.outputs, m.ops[p.index].attrs, p.macs, p.params]),
        ...(planner === null ? [] : [planner(pm)]),
      ],
      floats,
    ),
  );
  const w = new ByteWriter();
  w.raw(IMAGE_MAGIC);
  w.u16(IMAGE_VERSION);
  w.u16(0);
  w.u32(IMAGE_HEADER_BYTES + floats.length * 8 + json.length + data.bytes.length);
  w.u32(json.length);
  w.u32(floats.length);
  for (const f of floats) w.f64(f);
  for (let i = 0; i < json.length; i++) w.u8(json.charCodeAt(i));
  w.raw(data.bytes);
  return Uint8Array.from(w.bytes);
}

/** Whether `bytes` start like a device image (not a model file). */
export function isDeviceImage(bytes: ArrayLike<number>): boolean {
  return bytes.length >= 4 && IMAGE_MAGIC.every((b, i) => bytes[i] === b);
}
