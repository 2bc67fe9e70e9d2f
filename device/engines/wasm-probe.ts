/**
 * Runs the scalar wasm kernels under an independent wasm interpreter: wabt's `wasm-interp`, or
 * wasm3 (the interpreter that runs on MCUs; built by deploy/engines.sh). Writes an
 * AssemblyScript probe that embeds one inference's layer inputs as static data, calls each
 * kernel once, and exports one FNV-1a hash of each op's output; the host compares them with the
 * hashes of its golden layer outputs. Host side.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KERNEL_NAMES } from "../../shared/kernels/ops";
import { storedCount } from "../../shared/model-format/layout";
import { prepareModel } from "../../shared/model-format/prepare";
import type { DeviceModel } from "../../shared/model-format/types";
import { type Lowering, lowerArgs } from "../targets/wasm/abi";
import { missingEngineNote, nativeEnginePath } from "./native-engines";
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

export type WasmInterpreter = "wasm-interp" | "wasm3";

/** One probe module for all cases (one compile); returns hashes per case, per op. */
export function wasmInterpLayerHashes(
  cases: ProbeCase[],
  name: string,
  interpreter: WasmInterpreter = "wasm-interp",
): number[][] {
  const lines: string[] = [
    `import { ${KERNEL_NAMES.join(", ")} } from "../../targets/wasm/assembly/kernels";`,
    FNV,
  ];
  cases.forEach((pc, ci) => {
    lines.push(...probeFunctions(pc, ci));
  });
  return compileAndRun(lines, name, cases.length, interpreter);
}

function probeFunctions({ model, tensorValues }: ProbeCase, ci: number): string[] {
  const lines: string[] = [];
  for (const p of prepareModel(model)) {
    const k = p.index;
    const yT = model.tensors[p.outputs[0]];
    const n = storedCount(yT.dtype, yT.shape);
    // The call's arguments as the runtime would pass them: constants, golden activations, params.
    const call: unknown[] = p.inputs.map((t) => model.tensors[t].data ?? tensorValues(t));
    call.push(...p.params, []);
    const text: Lowering<string> = {
      ints,
      floats,
      scalar: (v) => String(v),
      floatScalar: f64,
      output: () => "o",
    };
    const args = lowerArgs(p.spec, call, text);
    lines.push(
      `export function c${ci}op${k}(): i32 {\n  const o = memory.data(${n * 4 + 8}, 8);\n  ${p.spec.kernel}(${args.join(", ")});\n  return fnv(o, ${n});\n}`,
    );
  }
  return lines;
}

/**
 * Calls every exported probe function; lines `cCASEopK() => i32:HASH`. wasm3 runs them from
 * its REPL (one process, one function per input line), which prints `Result: HASH` per call.
 */
function runExports(wasm: string, exports: string[], interpreter: WasmInterpreter): string {
  if (interpreter === "wasm-interp") {
    return execFileSync("wasm-interp", [wasm, "--run-all-exports", "--disable-simd"], {
      encoding: "utf8",
    });
  }
  const bin = nativeEnginePath("wasm3-cli");
  if (bin === null) throw new Error(missingEngineNote("wasm3-cli"));
  // wasm3 prints its prompt on stdout and each `Result:` on stderr.
  const r = spawnSync(bin, ["--repl", wasm], {
    encoding: "utf8",
    input: `${exports.join("\n")}\n:exit\n`,
  });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  const results = [...out.matchAll(/Result: (-?\d+)/g)].map((m) => m[1]);
  if (results.length !== exports.length)
    throw new Error(
      `wasm3 answered ${results.length} of ${exports.length} calls:\n${out.slice(-400)}`,
    );
  return exports.map((e, i) => `${e}() => i32:${results[i]}`).join("\n");
}

function compileAndRun(
  lines: string[],
  name: string,
  nCases: number,
  interpreter: WasmInterpreter,
): number[][] {
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
  const exports = lines.flatMap((l) => {
    const m = /^export function (c\d+op\d+)\(/.exec(l);
    return m ? [m[1]] : [];
  });
  const text = runExports(wasm, exports, interpreter);
  const hashes: number[][] = [];
  for (let i = 0; i < nCases; i++) hashes.push([]);
  for (const line of text.split("\n")) {
    const m = /^c(\d+)op(\d+)\(\) => i32:(-?\d+)/.exec(line);
    if (m) hashes[Number(m[1])][Number(m[2])] = Number(m[3]) | 0;
  }
  return hashes;
}
