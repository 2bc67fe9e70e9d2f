/** Hand-built TFLite files for tests: tensors, ops and options as schema.fbs lays them out. */
import {
  buildFlatbuffer,
  f32,
  i8,
  i32,
  type Obj,
  ref,
  str,
  table,
  u8,
  u32,
  vec,
  vecref,
} from "./flatbuffer-builder";

export interface TTensor {
  name: string;
  shape: number[];
  /** TensorType: 9 int8, 2 int32, 0 float32. */
  type: number;
  scale?: number[];
  zeroPoint?: number[];
  dim?: number;
  /** Constant data: int8 or int32 values. */
  data?: number[];
}

export interface TOp {
  builtin: number;
  inputs: number[];
  outputs: number[];
  /** Builtin options table fields (schema field order). */
  options?: Obj;
}

function dataBytes(t: TTensor): number[] {
  if (t.data === undefined) return [];
  if (t.type === 9) return t.data.map((v) => v & 0xff);
  const out: number[] = [];
  const d = new DataView(new ArrayBuffer(4));
  for (const v of t.data) {
    d.setInt32(0, v, true);
    for (let i = 0; i < 4; i++) out.push(d.getUint8(i));
  }
  return out;
}

export function buildTflite(
  tensors: TTensor[],
  ops: TOp[],
  inputs: number[],
  outputs: number[],
): Uint8Array {
  const codes = [...new Set(ops.map((o) => o.builtin))];
  const buffers: Obj[] = [table()];
  const tensorObjs = tensors.map((t) => {
    let buffer = 0;
    if (t.data !== undefined) {
      buffers.push(table(ref(vec("u8", dataBytes(t)))));
      buffer = buffers.length - 1;
    }
    const q =
      t.scale === undefined
        ? undefined
        : ref(
            table(
              undefined,
              undefined,
              ref(vec("f32", t.scale)),
              ref(vec("i64", t.zeroPoint ?? t.scale.map(() => 0))),
              undefined,
              undefined,
              i32(t.dim ?? 0),
            ),
          );
    return table(ref(vec("i32", t.shape)), u8(t.type), u32(buffer), ref(str(t.name)), q);
  });
  const opObjs = ops.map((o) =>
    table(
      u32(codes.indexOf(o.builtin)),
      ref(vec("i32", o.inputs)),
      ref(vec("i32", o.outputs)),
      u8(o.options ? 1 : 0),
      o.options ? ref(o.options) : undefined,
    ),
  );
  const subgraph = table(
    ref(vecref(tensorObjs)),
    ref(vec("i32", inputs)),
    ref(vec("i32", outputs)),
    ref(vecref(opObjs)),
    ref(str("main")),
  );
  const opcodes = codes.map((c) => table(i8(Math.min(c, 127)), undefined, i32(1), i32(c)));
  const model = table(
    u32(3),
    ref(vecref(opcodes)),
    ref(vecref([subgraph])),
    ref(str("hand-built")),
    ref(vecref(buffers)),
  );
  return buildFlatbuffer(model, "TFL3");
}

export { f32, i8, i32, table, u8 };
