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

/** BuiltinOptions union tag of each op's options table (schema.fbs). */
const OPTIONS_TYPE: { [builtin: number]: number } = {
  0: 11, // ADD: AddOptions
  1: 5, // AVERAGE_POOL_2D: Pool2DOptions
  3: 1, // CONV_2D: Conv2DOptions
  4: 2, // DEPTHWISE_CONV_2D: DepthwiseConv2DOptions
  9: 8, // FULLY_CONNECTED: FullyConnectedOptions
  17: 5, // MAX_POOL_2D: Pool2DOptions
  22: 17, // RESHAPE: ReshapeOptions
  25: 9, // SOFTMAX: SoftmaxOptions
};

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
      u8(o.options ? (OPTIONS_TYPE[o.builtin] ?? 0) : 0),
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

/** Input scale of smallNet. */
export const S_IN = 0.05;
// A small int8 net: conv (per-axis, SAME, stride 1, RELU) -> max pool -> add(pool, pool) ->
// depthwise (per-tensor, VALID) -> avg pool -> reshape -> fully connected -> softmax.
export function smallNet(): Uint8Array {
  const t: TTensor[] = [
    { name: "in", shape: [1, 6, 6, 2], type: 9, scale: [S_IN], zeroPoint: [-3] },
    {
      name: "conv.w",
      shape: [3, 3, 3, 2],
      type: 9,
      scale: [0.01, 0.02, 0.015],
      zeroPoint: [0, 0, 0],
      dim: 0,
      data: Array.from({ length: 54 }, (_, i) => ((i * 37) % 23) - 11),
    },
    { name: "conv.b", shape: [3], type: 2, data: [100, -50, 7] },
    { name: "conv", shape: [1, 6, 6, 3], type: 9, scale: [0.04], zeroPoint: [-128] },
    { name: "pool", shape: [1, 3, 3, 3], type: 9, scale: [0.04], zeroPoint: [-128] },
    { name: "sum", shape: [1, 3, 3, 3], type: 9, scale: [0.07], zeroPoint: [-120] },
    {
      name: "dw.w",
      shape: [1, 2, 2, 3],
      type: 9,
      scale: [0.03],
      zeroPoint: [0],
      data: [5, -7, 9, 11, -3, 2, 8, 8, -9, 4, 1, -6],
    },
    { name: "dw.b", shape: [3], type: 2, data: [0, 10, -10] },
    { name: "dw", shape: [1, 2, 2, 3], type: 9, scale: [0.05], zeroPoint: [2] },
    { name: "avg", shape: [1, 1, 1, 3], type: 9, scale: [0.05], zeroPoint: [2] },
    { name: "flat", shape: [1, 3], type: 9, scale: [0.05], zeroPoint: [2] },
    {
      name: "fc.w",
      shape: [4, 3],
      type: 9,
      scale: [0.02],
      zeroPoint: [0],
      data: [10, -20, 30, -40, 50, -60, 70, -80, 90, 1, 2, 3],
    },
    { name: "fc.b", shape: [4], type: 2, data: [1, 2, 3, 4] },
    { name: "logits", shape: [1, 4], type: 9, scale: [0.1], zeroPoint: [0] },
    { name: "probs", shape: [1, 4], type: 9, scale: [1 / 256], zeroPoint: [-128] },
    { name: "newshape", shape: [2], type: 2, data: [1, 3] },
  ];
  const ops = [
    { builtin: 3, inputs: [0, 1, 2], outputs: [3], options: table(i8(0), i32(1), i32(1), i8(1)) },
    {
      builtin: 17,
      inputs: [3],
      outputs: [4],
      options: table(i8(1), i32(2), i32(2), i32(2), i32(2), i8(0)),
    },
    { builtin: 0, inputs: [4, 4], outputs: [5], options: table(i8(0)) },
    {
      builtin: 4,
      inputs: [5, 6, 7],
      outputs: [8],
      options: table(i8(1), i32(1), i32(1), i32(1), i8(3)),
    },
    {
      builtin: 1,
      inputs: [8],
      outputs: [9],
      options: table(i8(1), i32(2), i32(2), i32(2), i32(2), i8(0)),
    },
    { builtin: 22, inputs: [9, 15], outputs: [10] },
    { builtin: 9, inputs: [10, 11, 12], outputs: [13], options: table(i8(0)) },
    { builtin: 25, inputs: [13], outputs: [14], options: table(f32(1)) },
  ];
  return buildTflite(t, ops, [0], [14]);
}
