/**
 * How kernel arguments cross into the wasm kernels (device/targets/wasm/assembly/kernels.ts),
 * by argument kind of the op table (shared/kernels/ops.ts): tensors as pointers to int32 (or
 * float64) arrays, `table` as pointer and length, struct parameters as a pointer to their int32
 * fields in the order below, small parameters spread as scalars, the output as a pointer. The
 * Node marshallers and the wasm-interp probe both lower calls through `lowerArgs`.
 */
import type { ArgKind, OpSpec } from "../../../shared/kernels/ops";

/** Parameters passed as a pointer to their int32 fields, in this order. */
export const STRUCT_FIELDS: { [kind: string]: string[] } = {
  geom: [
    "inH",
    "inW",
    "inC",
    "outH",
    "outW",
    "outC",
    "kH",
    "kW",
    "strideH",
    "strideW",
    "padTop",
    "padLeft",
  ],
  requant: ["inZp", "outZp", "actMin", "actMax"],
  add: [
    "n",
    "aZp",
    "bZp",
    "outZp",
    "leftShift",
    "aMult",
    "aShift",
    "bMult",
    "bShift",
    "outMult",
    "outShift",
    "actMin",
    "actMax",
  ],
};

/** Parameters spread as scalar arguments, in this order. */
export const SPREAD_FIELDS: { [kind: string]: string[] } = {
  clamp: ["actMin", "actMax"],
  dense: ["inN", "outN"],
  quantize: ["n", "scale", "zeroPoint", "actMin", "actMax"],
};

/** Spread fields passed as float64 (all others are i32). */
const FLOAT_FIELDS = ["scale"];

/** How a target writes each piece of a lowered call (values in memory, or source text). */
export interface Lowering<T> {
  ints(values: ArrayLike<number>): T;
  floats(values: ArrayLike<number>): T;
  scalar(v: number): T;
  floatScalar(v: number): T;
  output(out: number[]): T;
}

function lowerOne<T>(kind: ArgKind, v: unknown, to: Lowering<T>, args: T[]): void {
  if (kind === "ints") args.push(to.ints(v as number[]));
  else if (kind === "floats") args.push(to.floats(v as number[]));
  else if (kind === "table") {
    const t = v as number[];
    args.push(to.ints(t), to.scalar(t.length));
  } else if (kind === "count") args.push(to.scalar(v as number));
  else {
    const o = v as Record<string, number>;
    const struct = STRUCT_FIELDS[kind];
    if (struct) args.push(to.ints(struct.map((f) => o[f])));
    else
      for (const f of SPREAD_FIELDS[kind])
        args.push(FLOAT_FIELDS.includes(f) ? to.floatScalar(o[f]) : to.scalar(o[f]));
  }
}

/** The wasm arguments of one kernel call (tensors, params, output) as the op table orders it. */
export function lowerArgs<T>(spec: OpSpec, call: unknown[], to: Lowering<T>): T[] {
  const args: T[] = [];
  const nIn = spec.inputs.length;
  for (let i = 0; i < nIn; i++) lowerOne(spec.inputs[i], call[i], to, args);
  for (let i = 0; i < spec.params.length; i++) lowerOne(spec.params[i], call[nIn + i], to, args);
  args.push(to.output(call[call.length - 1] as number[]));
  return args;
}
