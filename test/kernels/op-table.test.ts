/**
 * The op table (shared/kernels/ops.ts) against everything that must agree with it but cannot
 * import it: the C host's native registrations (name and arity), the wasm modules' exports
 * (arity after lowering), and the reference kernel set. A new row without its kernels, or a
 * kernel registered with another arity, fails here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildOutputs, DEVICE_DIR } from "../../device/engines/paths";
import { type Lowering, lowerArgs } from "../../device/targets/wasm/abi";
import { operandBase } from "../../device/targets/wasm/node-kernels";
import { buildDevice } from "../../device/tools/build";
import { GraphBuilder } from "../../host/compress/graph-builder";
import { IntEvaluator } from "../../host/compress/int-eval";
import { modelReport } from "../../host/compress/model-report";
import { KERNEL_NAMES, OPS, opCode, opName, opSpec } from "../../shared/kernels/ops";
import { referenceKernels } from "../../shared/kernels/reference";
import { decodeModel } from "../../shared/model-format/decode";
import { encodeModel } from "../../shared/model-format/encode";

/** Entries `{"name", fn, nargs}` of a C host's NATIVES list (Duktape host, JerryScript host). */
function cRegistrations(host = "duktape-host"): Map<string, number> {
  const src = readFileSync(join(DEVICE_DIR, `targets/${host}/host.c`), "utf8");
  const list = /NATIVES\[\]\s*=\s*\{([\s\S]*?)\{NULL, NULL, 0\}\};/.exec(src);
  if (!list) throw new Error(`${host}/host.c: no NATIVES list`);
  const out = new Map<string, number>();
  for (const m of list[1].matchAll(/\{"(\w+)",\s*\w+,\s*(\d+)\}/g)) out.set(m[1], Number(m[2]));
  return out;
}

/**
 * The functions jswrap_earshot.c declares to Espruino's wrapper generator (its JSON comments),
 * with their arity: the params list, or for a signature longer than Espruino's four typed
 * arguments, the names listed in its single JsVarArray param's description.
 */
function espruinoRegistrations(): Map<string, number> {
  const src = readFileSync(join(DEVICE_DIR, "targets/espruino/jswrap_earshot.c"), "utf8");
  const out = new Map<string, number>();
  for (const m of src.matchAll(/\/\*JSON(\{[\s\S]*?\n\})/g)) {
    const j = JSON.parse(m[1]) as {
      type: string;
      class: string;
      name?: string;
      params?: string[][];
    };
    // countFromHere: bench:device's callgrind hook, not a kernel.
    if (j.type !== "staticmethod" || j.name === "countFromHere") continue;
    expect(j.class).toBe("earshot");
    const params = j.params ?? [];
    const spread = params.length === 1 && params[0][1] === "JsVarArray";
    out.set(j.name as string, spread ? params[0][2].split(",").length : params.length);
  }
  return out;
}

/** The slice of the WebAssembly API used here (the project's lib has no DOM typings). */
const Wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
    };
  }
).WebAssembly;

/** Host functions the C host registers that are not kernels of the op table. */
const C_HOST_EXTRAS = [
  "frontEndInit",
  "frontEndFrame",
  "frontEndQuantizer",
  "frontEndPushQuantized",
  "copy",
  "copyScaled",
  "shift",
];
/** Host extras only some C hosts register, with their arity where they do. */
const C_HOST_OPTIONAL_EXTRAS = new Map([
  ["fixParams", 1],
  // TensorMemory.program: runProgram takes a program (the steps, or program()'s handle).
  ["program", 1],
  ["runProgram", 1],
]);

/** The names a host's runProgram step ids index (PROGRAM_STEPS in its C source). */
function programSteps(file: string): string[] {
  const src = readFileSync(join(DEVICE_DIR, file), "utf8");
  const list = /PROGRAM_STEPS\[\]\s*=\s*\{([\s\S]*?)NULL\};/.exec(src);
  if (!list) throw new Error(`${file}: no PROGRAM_STEPS list`);
  return [...list[1].matchAll(/"(\w+)"/g)].map((m) => m[1]);
}

describe("the op table", () => {
  it("has unique codes and kernels, and names ops from their kernels", () => {
    expect(new Set(OPS.map((o) => o.code)).size).toBe(OPS.length);
    expect(new Set(KERNEL_NAMES).size).toBe(OPS.length);
    for (const o of OPS) {
      expect(opSpec(o.code)).toBe(o);
      expect(opCode(o.kernel)).toBe(o.code);
    }
    expect(opName(opCode("depthwiseConv2d"))).toBe("depthwise_conv2d");
    expect(opName(opCode("binaryDenseInt"))).toBe("binary_dense_int");
    expect(opName(999)).toBe("unknown(999)");
  });

  it("lists exactly the kernels the reference implements", () => {
    expect([...KERNEL_NAMES].sort()).toEqual(Object.keys(referenceKernels).sort());
    for (const o of OPS)
      expect(referenceKernels[o.kernel].length, o.kernel).toBe(
        o.inputs.length + o.params.length + 1,
      );
  });

  it.each([
    ["the Duktape host", () => cRegistrations()],
    ["the JerryScript host", () => cRegistrations("jerryscript-host")],
    ["Espruino's earshot library", espruinoRegistrations],
  ])("matches %s's C registrations: every op, with the table's arity", (_host, read) => {
    const c = read();
    for (const o of OPS)
      expect(c.get(o.kernel), o.kernel).toBe(o.inputs.length + o.params.length + 1);
    const unknown = [...c.keys()].filter(
      (k) =>
        !KERNEL_NAMES.includes(k as never) &&
        !C_HOST_EXTRAS.includes(k) &&
        !C_HOST_OPTIONAL_EXTRAS.has(k),
    );
    expect(unknown).toEqual([]);
    // The host extras have one signature everywhere (native.ts NativeKernels).
    const duk = cRegistrations();
    for (const k of C_HOST_EXTRAS) expect(c.get(k), k).toBe(duk.get(k));
    for (const [k, arity] of C_HOST_OPTIONAL_EXTRAS) if (c.has(k)) expect(c.get(k), k).toBe(arity);
  });

  it("lets a program run every kernel, shift and copy, the same on each host that has programs", () => {
    const jerry = programSteps("targets/jerryscript-host/host.c");
    expect(programSteps("targets/espruino/jswrap_earshot.c")).toEqual(jerry);
    expect([...jerry].sort()).toEqual([...KERNEL_NAMES, "shift", "copy"].sort());
  });

  describe("wasm exports", () => {
    beforeAll(() => buildDevice(), 600_000);
    const count: Lowering<number> = {
      ints: () => 1,
      floats: () => 1,
      scalar: () => 1,
      floatScalar: () => 1,
      output: () => 1,
    };
    it.each([
      "wasmScalar",
      "wasmSimd",
    ] as const)("%s exports every op with its lowered arity", (which) => {
      const mod = new Wasm.Module(readFileSync(buildOutputs()[which]));
      const exports = new Wasm.Instance(mod, { env: { abort: () => {} } }).exports;
      for (const o of OPS) {
        const fn = exports[o.kernel] as ((...a: number[]) => void) | undefined;
        expect(typeof fn, o.kernel).toBe("function");
        // A sample call's lowering: `table` lowers to two arguments, spread params to several.
        const sample = [
          ...o.inputs.map(() => [0]),
          ...o.params.map((k) => (k === "count" ? 0 : {})),
          [0],
        ];
        expect(fn?.length, o.kernel).toBe(lowerArgs(o, sample, count).length);
      }
    });
    it.each([
      "wasmScalar",
      "wasmSimd",
    ] as const)("%s tells hosts where operands may start (above its static data)", (which) => {
      const mod = new Wasm.Module(readFileSync(buildOutputs()[which]));
      const exports = new Wasm.Instance(mod, { env: { abort: () => {} } }).exports;
      expect(typeof exports.heapBase).toBe("function");
      const base = (exports.heapBase as () => number)();
      expect(base).toBeGreaterThan(0);
      expect(operandBase(exports)).toBe(base);
    });
  });

  it("carries an op added as one row plus kernels (global max pool) through the format", () => {
    const g = new GraphBuilder();
    const x = g.input([3, 2, 2]);
    const y = g.globalMaxPool(g.quantize(x, 1, 0), -128, 5);
    const model = decodeModel(
      encodeModel(
        g.build({ modelId: "gmp", modelVersion: 1, labels: ["a", "b"], frontEnd: [] }, y),
      ),
    );
    // [time, freq, channel]: channel 0 peaks at 4, channel 1 at 9 (clamped to 5).
    const r = new IntEvaluator(model).run([1, 9, 4, -3, 2, 0, -1, 7, 0, 2, 3, 1]);
    expect(r.output).toEqual([4, 5]);
    expect(modelReport(model).layers.map((l) => l.op)).toEqual(["quantize", "global_max_pool"]);
  });
});
