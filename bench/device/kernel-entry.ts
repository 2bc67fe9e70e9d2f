/**
 * ES5 micro-benchmark entry for the Duktape host: runs one layer kernel `reps` times on
 * deterministic data through the same registry the runtime uses (C natives when the host
 * registers them, else the portable JS reference). The benchmark counts instructions of runs
 * with different `reps` under callgrind; the difference is the cost of the layer alone.
 * EARSHOT_INPUT.settings = "op,reps,h,w,c" with op = conv | bconv.
 */

import { KernelRegistry } from "../../device/runtime/intrinsics";
import { plainMemory, type TensorMemory } from "../../device/runtime/memory";
import { type NativeKernels, nativeProvider, typedMemory } from "../../device/targets/es5/native";
import { referenceKernels } from "../../shared/kernels/reference";
import type { ConvGeometry, RequantParams } from "../../shared/kernels/types";
import { DT_INT32 } from "../../shared/model-format/types";

declare const EARSHOT_INPUT: { settings?: string };
declare const EarshotNative: NativeKernels | undefined;
declare function print(s: string): void;

const registry = new KernelRegistry({ name: "portable-ts", kernels: referenceKernels });
let memory: TensorMemory = plainMemory;
if (typeof EarshotNative !== "undefined") {
  registry.register(nativeProvider(EarshotNative));
  memory = typedMemory();
}
const k = registry.kernels();
const f = (EARSHOT_INPUT.settings || "conv,1,8,8,8").split(",");
const op = f[0];
const reps = Number(f[1]);
const h = Number(f[2]);
const w = Number(f[3]);
const c = Number(f[4]);

let seed = 12345;
function rand(n: number): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return Math.floor((seed / 2147483648) * n);
}
function filled(n: number, lo: number, hi: number): number[] {
  // Constants in the form the kernels read (Int32Array for the C natives).
  const a = memory.constantStorage(n, DT_INT32, 32);
  for (let i = 0; i < n; i++) a[i] = lo + rand(hi - lo + 1);
  return a;
}

// 3x3, stride 1, SAME: the res8-narrow residual-block conv shape.
const g: ConvGeometry = {
  inH: h,
  inW: w,
  inC: c,
  outH: h,
  outW: w,
  outC: c,
  kH: 3,
  kW: 3,
  strideH: 1,
  strideW: 1,
  padTop: 1,
  padLeft: 1,
};
const words = Math.floor((c + 31) / 32);
if (op === "conv") {
  const x = filled(h * w * c, -128, 127);
  const wt = filled(c * 9 * c, -127, 127);
  const bias = filled(c, -1000, 1000);
  const mult = filled(c, 1 << 29, 1 << 30);
  const shift = filled(c, 38, 38);
  const q: RequantParams = { inZp: -3, outZp: 2, actMin: -128, actMax: 127 };
  const out = memory.scratch(h * w * c, false);
  for (let r = 0; r < reps; r++) k.conv2d(x, wt, bias, mult, shift, g, q, out);
  print(`conv ${out[0]} macs ${h * w * c * c * 9}`);
} else {
  const x = filled(h * w * words, -2147483648, 2147483647);
  const wt = filled(c * 9 * words, -2147483648, 2147483647);
  const thr = filled(c, -20, 20);
  const dir = filled(c, 0, 1);
  const out = memory.scratch(h * w * words, false);
  for (let r = 0; r < reps; r++) k.binaryConv2d(x, wt, thr, dir, g, out);
  print(`bconv ${out[0]} macs ${h * w * c * c * 9}`);
}
