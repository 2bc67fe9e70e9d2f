/**
 * A minimal FlexBuffers reader for TFLite custom-op options: the root map of scalars (int,
 * uint, float, bool) and typed/untyped vectors of them. Offsets are checked; anything else is
 * refused with a TfliteError.
 */
import { TfliteError } from "./errors";

export type FlexValue = number | boolean | string | FlexValue[] | { [key: string]: FlexValue };

function fail(what: string): never {
  throw new TfliteError(`malformed custom options: ${what}`, "tflite-malformed");
}

export function readFlexRoot(bytes: Uint8Array): FlexValue {
  if (bytes.length < 3) fail("too short");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const uint = (at: number, w: number): number => {
    if (at < 0 || at + w > bytes.length) fail(`offset ${at} out of range`);
    if (w === 1) return view.getUint8(at);
    if (w === 2) return view.getUint16(at, true);
    if (w === 4) return view.getUint32(at, true);
    return Number(view.getBigUint64(at, true));
  };
  const int = (at: number, w: number): number => {
    if (at < 0 || at + w > bytes.length) fail(`offset ${at} out of range`);
    if (w === 1) return view.getInt8(at);
    if (w === 2) return view.getInt16(at, true);
    if (w === 4) return view.getInt32(at, true);
    return Number(view.getBigInt64(at, true));
  };
  const float = (at: number, w: number): number => {
    if (at < 0 || at + w > bytes.length) fail(`offset ${at} out of range`);
    return w === 4
      ? view.getFloat32(at, true)
      : w === 8
        ? view.getFloat64(at, true)
        : fail(`float width ${w}`);
  };
  const cstr = (at: number): string => {
    let end = at;
    while (end < bytes.length && bytes[end] !== 0) end++;
    if (end >= bytes.length) fail("unterminated key");
    return new TextDecoder().decode(bytes.subarray(at, end));
  };
  let depth = 0;
  // A value stored at `at` with parent width `pw` and packed type byte `packed`.
  const value = (at: number, pw: number, packed: number): FlexValue => {
    if (++depth > 64) fail("nesting too deep");
    const type = packed >> 2;
    const cw = 1 << (packed & 3);
    try {
      if (type === 0) return 0;
      if (type === 1) return int(at, pw);
      if (type === 2) return uint(at, pw);
      if (type === 3) return float(at, pw);
      if (type === 26) return uint(at, pw) !== 0;
      const p = at - uint(at, pw);
      if (type === 4) return cstr(p);
      if (type === 5) return new TextDecoder().decode(bytes.subarray(p, p + uint(p - cw, cw)));
      if (type === 6) return int(p, cw);
      if (type === 7) return uint(p, cw);
      if (type === 8) return float(p, cw);
      if (type === 9) {
        const n = uint(p - cw, cw);
        const keysAt = p - 3 * cw;
        const keys = keysAt - uint(keysAt, cw);
        const kw = uint(p - 2 * cw, cw);
        const out: { [key: string]: FlexValue } = {};
        for (let i = 0; i < n; i++) {
          const k = cstr(keys + i * kw - uint(keys + i * kw, kw));
          out[k] = value(p + i * cw, cw, uint(p + n * cw + i, 1));
        }
        return out;
      }
      if (type === 10) {
        const n = uint(p - cw, cw);
        const out: FlexValue[] = [];
        for (let i = 0; i < n; i++) out.push(value(p + i * cw, cw, uint(p + n * cw + i, 1)));
        return out;
      }
      if (type >= 11 && type <= 13) {
        const n = uint(p - cw, cw);
        const out: number[] = [];
        for (let i = 0; i < n; i++)
          out.push(
            type === 11
              ? int(p + i * cw, cw)
              : type === 12
                ? uint(p + i * cw, cw)
                : float(p + i * cw, cw),
          );
        return out;
      }
      return fail(`value type ${type}`);
    } finally {
      depth--;
    }
  };
  const rw = bytes[bytes.length - 1];
  const packed = bytes[bytes.length - 2];
  return value(bytes.length - 2 - rw, rw, packed);
}
