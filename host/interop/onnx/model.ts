/**
 * ONNX graph building: nodes, initializers, inputs and outputs, serialized as a ModelProto
 * (onnx.proto3: ModelProto ir_version 1, producer_name 2, graph 7, opset_import 8; GraphProto
 * node 1, name 2, initializer 5, input 11, output 12; NodeProto input 1, output 2, name 3,
 * op_type 4, attribute 5; AttributeProto name 1, f 2, i 3, type 20, ints 8; TensorProto dims 1,
 * data_type 2, name 8, raw_data 9; ValueInfoProto name 1, type 2).
 */
import { ProtoWriter } from "./protobuf";

export const ONNX_FLOAT = 1;
export const ONNX_INT8 = 3;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;

type Attr = number | number[] | { f: number };

export class OnnxGraph {
  private readonly nodes: ProtoWriter[] = [];
  private readonly inits: ProtoWriter[] = [];
  private readonly inputs: ProtoWriter[] = [];
  private readonly outputs: ProtoWriter[] = [];
  private n = 0;

  /** A fresh tensor name. */
  name(base: string): string {
    return `${base}_${this.n++}`;
  }

  /** Adds a node; returns its (single) output name. */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, out?: string): string {
    const o = out ?? this.name(op.toLowerCase());
    const w = new ProtoWriter();
    for (const i of inputs) w.string(1, i);
    w.string(2, o);
    w.string(3, `${op}_${this.n++}`);
    w.string(4, op);
    for (const [k, v] of Object.entries(attrs)) {
      const a = new ProtoWriter().string(1, k);
      if (Array.isArray(v)) a.packedInts(8, v).int(20, 7);
      else if (typeof v === "number") a.int(3, v).int(20, 2);
      else a.float(2, v.f).int(20, 1);
      w.message(5, a);
    }
    this.nodes.push(w);
    return o;
  }

  /** A constant tensor (float32, int8, int32 or int64 values). */
  constant(base: string, type: number, dims: number[], values: ArrayLike<number>): string {
    const name = this.name(base);
    const size = type === ONNX_INT8 ? 1 : type === ONNX_INT64 ? 8 : 4;
    const raw = new DataView(new ArrayBuffer(values.length * size));
    for (let i = 0; i < values.length; i++) {
      if (type === ONNX_FLOAT) raw.setFloat32(4 * i, values[i], true);
      else if (type === ONNX_INT8) raw.setInt8(i, values[i]);
      else if (type === ONNX_INT32) raw.setInt32(4 * i, values[i], true);
      else raw.setBigInt64(8 * i, BigInt(values[i]), true);
    }
    const t = new ProtoWriter().packedInts(1, dims).int(2, type).string(8, name);
    t.bytesField(9, new Uint8Array(raw.buffer));
    this.inits.push(t);
    return name;
  }

  private valueInfo(name: string, dims: number[]): ProtoWriter {
    const shape = new ProtoWriter();
    for (const d of dims) shape.message(1, new ProtoWriter().int(1, d));
    const tensorType = new ProtoWriter().int(1, ONNX_FLOAT).message(2, shape);
    return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
  }

  input(name: string, dims: number[]): string {
    this.inputs.push(this.valueInfo(name, dims));
    return name;
  }

  output(name: string, dims: number[]): void {
    this.outputs.push(this.valueInfo(name, dims));
  }

  serialize(graphName: string, opset = 13): Uint8Array {
    const g = new ProtoWriter();
    for (const n of this.nodes) g.message(1, n);
    g.string(2, graphName);
    for (const t of this.inits) g.message(5, t);
    for (const i of this.inputs) g.message(11, i);
    for (const o of this.outputs) g.message(12, o);
    return new ProtoWriter()
      .int(1, 7)
      .string(2, "earshot")
      .message(7, g)
      .message(8, new ProtoWriter().string(1, "").int(2, opset))
      .finish();
  }
}
