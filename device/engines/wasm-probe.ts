/**
 * Runs the scalar wasm kernels under wabt's `wasm-interp` (an independent interpreter of the
 * wasm3 class): writes an AssemblyScript probe that embeds one inference's layer inputs as
 * static data, calls each kernel once, and exports one FNV-1a hash of each op's output; the
 * host compares them with the hashes of its golden layer outputs. Host side.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { storedCount } from "../../shared/model-format/layout";
import { prepareModel } from "../../shared/model-format/prepare";
import {
  type DeviceModel,
  OP_ADD,
  OP_AVG_POOL2D,
  OP_BCONV2D,
  OP_BCONV2D_INT,
  OP_BDENSE,
  OP_BDENSE_INT,
  OP_BINARIZE,
  OP_CONV2D,
  OP_DENSE,
  OP_DEPTHWISE_CONV2D,
  OP_GLOBAL_AVG_POOL,
  OP_MAX_POOL2D,
  OP_QUANTIZE,
} from "../../shared/model-format/types";
import { BUILD_DIR, DEVICE_DIR } from "./paths";

/** FNV-1a over int32 words (as the probe computes it). */
export function fnv32(values: ArrayLike<number>): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < values.length; i++) {
    h ^= values[i] | 0;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

const FNV = `
function fnv(p: usize, n: i32): i32 {
  let h: i32 = 0x811c9dc5;
  for (let i = 0; i < n; i++) {
    h ^= load<i32>(p + (<usize>i << 2));
    h = h * 0x01000193;
  }
  return h;
}
`;

function ints(values: ArrayLike<number>): string {
  return `memory.data<i32>([${Array.from(values, (v) => String(v | 0)).join(",")}])`;
}

/** A float64 literal that parses back to the same double. */
function f64(v: number): string {
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

function floats(values: ArrayLike<number>): string {
  return `memory.data<f64>([${Array.from(values, f64).join(",")}])`;
}

/**
 * Hashes of each op's output when the wasm kernels run op k on `inputs(k)`: the values of every
 * activation tensor the op reads (from the golden run).
 */
export interface ProbeCase {
  model: DeviceModel;
  tensorValues: (tensor: number) => number[];
}

/** One probe module for all cases (one compile); returns hashes per case, per op. */
export function wasmInterpLayerHashes(cases: ProbeCase[], name: string): number[][] {
  const lines: string[] = [
    `import { add, avgPool2d, binarize, binaryConv2d, binaryConv2dInt, binaryDense, binaryDenseInt, conv2d, dense, depthwiseConv2d, globalAvgPool, maxPool2d, quantize, softmax } from "../../targets/wasm/assembly/kernels";`,
    FNV,
  ];
  cases.forEach((pc, ci) => lines.push(...probeFunctions(pc, ci)));
  return compileAndRun(lines, name, cases.length);
}

function probeFunctions({ model, tensorValues }: ProbeCase, ci: number): string[] {
  const lines: string[] = [];
  for (const p of prepareModel(model)) {
    const k = p.index;
    const arr = (j: number) => {
      const t = p.inputs[j];
      const data = model.tensors[t].data;
      return ints(data !== null ? data : tensorValues(t));
    };
    const yT = model.tensors[p.outputs[0]];
    const n = storedCount(yT.dtype, yT.shape);
    const g = p.conv;
    const geom = ints([
      g.inH,
      g.inW,
      g.inC,
      g.outH,
      g.outW,
      g.outC,
      g.kH,
      g.kW,
      g.strideH,
      g.strideW,
      g.padTop,
      g.padLeft,
    ]);
    const q = p.requant;
    const rq = ints([q.inZp, q.outZp, q.actMin, q.actMax]);
    const out = `memory.data(${n * 4 + 8}, 8)`;
    let call: string;
    const c = p.code;
    if (c === OP_QUANTIZE) {
      const qp = p.quantize;
      call = `quantize(${floats(tensorValues(p.inputs[0]))}, ${qp.n}, ${f64(qp.scale)}, ${qp.zeroPoint}, ${qp.actMin}, ${qp.actMax}, o)`;
    } else if (c === OP_CONV2D)
      call = `conv2d(${arr(0)}, ${arr(1)}, ${arr(2)}, ${arr(3)}, ${arr(4)}, ${geom}, ${rq}, o)`;
    else if (c === OP_DEPTHWISE_CONV2D)
      call = `depthwiseConv2d(${arr(0)}, ${arr(1)}, ${arr(2)}, ${arr(3)}, ${arr(4)}, ${geom}, ${rq}, o)`;
    else if (c === OP_DENSE)
      call = `dense(${arr(0)}, ${arr(1)}, ${arr(2)}, ${arr(3)}, ${arr(4)}, ${p.dense.inN}, ${p.dense.outN}, ${rq}, o)`;
    else if (c === OP_AVG_POOL2D)
      call = `avgPool2d(${arr(0)}, ${geom}, ${p.clamp.actMin}, ${p.clamp.actMax}, o)`;
    else if (c === OP_MAX_POOL2D)
      call = `maxPool2d(${arr(0)}, ${geom}, ${p.clamp.actMin}, ${p.clamp.actMax}, o)`;
    else if (c === OP_GLOBAL_AVG_POOL)
      call = `globalAvgPool(${arr(0)}, ${p.n}, ${p.m}, ${p.ch}, ${p.clamp.actMin}, ${p.clamp.actMax}, o)`;
    else if (c === OP_ADD) {
      const a = p.add;
      const params = ints([
        a.n,
        a.aZp,
        a.bZp,
        a.outZp,
        a.leftShift,
        a.aMult,
        a.aShift,
        a.bMult,
        a.bShift,
        a.outMult,
        a.outShift,
        a.actMin,
        a.actMax,
      ]);
      call = `add(${arr(0)}, ${arr(1)}, ${params}, o)`;
    } else if (c === OP_BINARIZE)
      call = `binarize(${arr(0)}, ${arr(1)}, ${arr(2)}, ${p.n}, ${p.m}, o)`;
    else if (c === OP_BCONV2D)
      call = `binaryConv2d(${arr(0)}, ${arr(1)}, ${arr(2)}, ${arr(3)}, ${geom}, o)`;
    else if (c === OP_BCONV2D_INT)
      call = `binaryConv2dInt(${arr(0)}, ${arr(1)}, ${arr(2)}, ${arr(3)}, ${arr(4)}, ${geom}, ${rq}, o)`;
    else if (c === OP_BDENSE)
      call = `binaryDense(${arr(0)}, ${arr(1)}, ${arr(2)}, ${arr(3)}, ${p.dense.inN}, ${p.dense.outN}, o)`;
    else if (c === OP_BDENSE_INT)
      call = `binaryDenseInt(${arr(0)}, ${arr(1)}, ${arr(2)}, ${arr(3)}, ${arr(4)}, ${p.dense.inN}, ${p.dense.outN}, ${rq}, o)`;
    else {
      const lut = model.tensors[p.inputs[1]].data as number[];
      call = `softmax(${arr(0)}, ${ints(lut)}, ${lut.length}, ${p.n}, o)`;
    }
    lines.push(
      `export function c${ci}op${k}(): i32 {\n  const o = ${out};\n  ${call};\n  return fnv(o, ${n});\n}`,
    );
  }
  return lines;
}

function compileAndRun(lines: string[], name: string, nCases: number): number[][] {
  const dir = join(BUILD_DIR, "probe");
  mkdirSync(dir, { recursive: true });
  const src = join(dir, `${name}.ts`);
  const wasm = join(dir, `${name}.wasm`);
  writeFileSync(src, lines.join("\n"));
  const root = join(DEVICE_DIR, "..");
  execFileSync(
    join(root, "node_modules/.bin/asc"),
    [src, "-O0", "--runtime", "stub", "--noAssert", "--disable", "simd", "-o", wasm],
    { cwd: root, stdio: "pipe" },
  );
  const text = execFileSync("wasm-interp", [wasm, "--run-all-exports", "--disable-simd"], {
    encoding: "utf8",
  });
  const hashes: number[][] = [];
  for (let i = 0; i < nCases; i++) hashes.push([]);
  for (const line of text.split("\n")) {
    const m = /^c(\d+)op(\d+)\(\) => i32:(-?\d+)/.exec(line);
    if (m) hashes[Number(m[1])][Number(m[2])] = Number(m[3]) | 0;
  }
  return hashes;
}
