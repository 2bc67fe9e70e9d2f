/**
 * A tiny forward-laying flatbuffer writer for hand-built test files: each table is written as
 * its vtable then its inline fields (4 bytes each), and its children after it, so every
 * reference offset points forward as the format requires.
 */
export type Scalar = { t: "u8" | "i8" | "i32" | "u32" | "f32"; v: number };
export type Obj =
  | { kind: "table"; fields: (Scalar | { t: "ref"; v: Obj } | undefined)[] }
  | { kind: "vec"; elem: "i32" | "f32" | "i64" | "u8"; values: number[] }
  | { kind: "vecref"; items: Obj[] }
  | { kind: "str"; s: string };

export const table = (...fields: (Scalar | { t: "ref"; v: Obj } | undefined)[]): Obj => ({
  kind: "table",
  fields,
});
export const ref = (v: Obj) => ({ t: "ref" as const, v });
export const i32 = (v: number): Scalar => ({ t: "i32", v });
export const u32 = (v: number): Scalar => ({ t: "u32", v });
export const i8 = (v: number): Scalar => ({ t: "i8", v });
export const u8 = (v: number): Scalar => ({ t: "u8", v });
export const f32 = (v: number): Scalar => ({ t: "f32", v });
export const vec = (elem: "i32" | "f32" | "i64" | "u8", values: number[]): Obj => ({
  kind: "vec",
  elem,
  values,
});
export const vecref = (items: Obj[]): Obj => ({ kind: "vecref", items });
export const str = (s: string): Obj => ({ kind: "str", s });

export function buildFlatbuffer(root: Obj, ident: string): Uint8Array {
  const bytes: number[] = [];
  const put = (n: number, w: number, at = bytes.length, signed = false) => {
    const b = new DataView(new ArrayBuffer(8));
    if (w === 1) b.setUint8(0, n & 0xff);
    else if (w === 2) b.setUint16(0, n, true);
    else if (w === 4) signed ? b.setInt32(0, n, true) : b.setUint32(0, n >>> 0, true);
    for (let i = 0; i < w; i++) bytes[at + i] = b.getUint8(i);
  };
  const align = () => {
    while (bytes.length % 4 !== 0) bytes.push(0);
  };
  const emit = (o: Obj): number => {
    align();
    if (o.kind === "str") {
      const start = bytes.length;
      put(o.s.length, 4);
      for (const ch of new TextEncoder().encode(o.s)) bytes.push(ch);
      bytes.push(0);
      return start;
    }
    if (o.kind === "vec") {
      const start = bytes.length;
      put(o.values.length, 4);
      const d = new DataView(new ArrayBuffer(8));
      for (const v of o.values) {
        if (o.elem === "u8") bytes.push(v & 0xff);
        else if (o.elem === "i32") put(v, 4, bytes.length, true);
        else if (o.elem === "f32") {
          d.setFloat32(0, v, true);
          for (let i = 0; i < 4; i++) bytes.push(d.getUint8(i));
        } else {
          d.setBigInt64(0, BigInt(v), true);
          for (let i = 0; i < 8; i++) bytes.push(d.getUint8(i));
        }
      }
      return start;
    }
    if (o.kind === "vecref") {
      const start = bytes.length;
      put(o.items.length, 4);
      const slots = o.items.map(() => {
        const at = bytes.length;
        put(0, 4);
        return at;
      });
      o.items.forEach((item, k) => {
        const p = emit(item);
        put(p - slots[k], 4, slots[k]);
      });
      return start;
    }
    const n = o.fields.length;
    const vt = bytes.length;
    put(4 + 2 * n, 2);
    put(4 + 4 * n, 2);
    for (let k = 0; k < n; k++) put(o.fields[k] === undefined ? 0 : 4 + 4 * k, 2);
    align();
    const pos = bytes.length;
    put(pos - vt, 4, pos, true);
    const refs: [number, Obj][] = [];
    for (const f of o.fields) {
      const at = bytes.length;
      if (f === undefined) put(0, 4);
      else if (f.t === "ref") {
        put(0, 4);
        refs.push([at, f.v]);
      } else if (f.t === "f32") {
        const d = new DataView(new ArrayBuffer(4));
        d.setFloat32(0, f.v, true);
        for (let i = 0; i < 4; i++) bytes.push(d.getUint8(i));
      } else {
        put(f.v, f.t === "u8" || f.t === "i8" ? 1 : 4, at, f.t === "i32");
      }
      while (bytes.length < at + 4) bytes.push(0);
    }
    for (const [at, child] of refs) {
      const p = emit(child);
      put(p - at, 4, at);
    }
    return pos;
  };
  put(0, 4);
  for (const ch of ident) bytes.push(ch.charCodeAt(0));
  const root0 = emit(root);
  put(root0, 4, 0);
  return Uint8Array.from(bytes);
}
