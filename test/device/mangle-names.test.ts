/**
 * The device bundles' property renaming (device/tools/mangle-names.ts): which names may be
 * renamed, derived from the sources; and the build's two guards (tools/bundle-device.ts): a
 * reserved name renamed, and a renaming that changes what a bundle prints.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { transformSync } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordRunPlan } from "../../device/engines/image-plan";
import { buildOutputs } from "../../device/engines/paths";
import { buildDevice } from "../../device/tools/build";
import { behaviourCases, behaviourProblems } from "../../device/tools/bundle-behaviour";
import { JS_KERNEL_MODULES } from "../../device/tools/device-profiles";
import {
  boundaryHostFiles,
  deviceManglePlan,
  hostNames,
  type ManglePlan,
  manglePlan,
  renamedReserved,
} from "../../device/tools/mangle-names";
import { decodePrepared } from "../../shared/model-format/decode";

describe("names the hosts spell out", () => {
  it.each([
    ['g->inH = prop_int(ctx, i, "inH");', ["inH"]],
    // Espruino's wrapper JSON: the values name natives, the keys are the generator's own.
    ['  "name" : "conv2d",\n  "params" : [', ["conv2d"]],
    ["`EARSHOT_CHUNK=[1,2];EARSHOT_INPUT.feed();\\n`", ["feed"]],
    ["`{model:new Uint8Array(m),read:function(dst,max){},exact:true}`", ["model", "read", "exact"]],
  ])("%s", (text, names) => {
    expect(hostNames(text)).toEqual(expect.arrayContaining(names));
  });
});

describe("the plan over a small program", () => {
  let dir = "";
  let plan: ManglePlan;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "earshot-mangle-"));
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES5", lib: ["ES5"], strict: true, types: [] },
        files: ["a.ts"],
      }),
    );
    writeFileSync(
      join(dir, "a.ts"),
      `
interface Geometry { inRows: number; inCols: number }
declare const HOST: { conv: (g: Geometry) => void; ready?: boolean };
class Runner {
  private counter = 0;
  length = 0;
  step(g: Geometry): void { this.counter++; HOST.conv(g); }
}
const keyed: { alpha: number; beta: number } = { alpha: 1, beta: 2 };
function read(name: string): number { return (keyed as unknown as Record<string, number>)[name]; }
const fields = { gamma: 1, delta: 2 };
function pick(k: keyof typeof fields): number { return fields[k]; }
const quoted = { "epsilon": 1, zeta: 2 };
export const used = [new Runner(), read("alpha"), pick("gamma"), quoted.zeta, quoted["epsilon"]];
`,
    );
    writeFileSync(join(dir, "host.c"), 'prop_int(o, "zeta");\n');
    plan = manglePlan({ tsconfig: join(dir, "tsconfig.json"), hostFiles: [join(dir, "host.c")] });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("renames what only the program uses", () => {
    expect(plan.mangle).toEqual(expect.arrayContaining(["counter", "step", "beta"]));
  });

  it.each([
    ["length", /standard library/],
    ["conv", /crosses to the host \(declare HOST/],
    ["ready", /crosses to the host/],
    // Reached through the boundary type's call signature.
    ["inRows", /crosses to the host/],
    ["alpha", /a string value/],
    ["gamma", /computed key|string value/],
    ["delta", /computed key/],
    ["epsilon", /a string value/],
    ["zeta", /named by the host/],
  ])("keeps %s", (name, why) => {
    expect(plan.mangle).not.toContain(name);
    expect(plan.reserved.get(name)).toMatch(why);
  });

  it("names each reserved name esbuild renamed anyway", () => {
    expect(renamedReserved({ counter: "a", conv: "b" }, plan)).toEqual([
      expect.stringMatching(/^property 'conv' was renamed but must stay: crosses to the host/),
    ]);
  });
});

describe.each([
  "native",
  "native-stream",
  "native-image",
  "native-image-stream",
  "tflm-micro",
] as const)("the plan of the %s bundle (natives)", (profile) => {
  const plan = deviceManglePlan(profile);

  it("keeps every name a host spells out (natives, argument fields, front-end configuration)", () => {
    const files = boundaryHostFiles(profile);
    const named = new Set(files.flatMap((f) => hostNames(readFileSync(f, "utf8"))));
    expect(named).toContain("frontEndInit");
    expect(named).toContain("windowLength");
    expect(plan.mangle.filter((n) => named.has(n))).toEqual([]);
  });

  it.each([
    ...["model", "read", "chunked", "feed", "finish", "configure", "memory", "exact", "trace"],
    "settings",
    ...["conv2d", "tflmRequantize", "narrowConstants", "inH", "actMin", "outZp"],
    // The front end's configuration and sizes, from which the C hosts build the tables.
    ...["config", "windowLength", "hopLength", "coeffs", "sampleRate", "fMin", "fMax", "logFloor"],
  ])("keeps %s", (name) => {
    expect(plan.mangle).not.toContain(name);
  });

  it("renames runtime members no host sees", () => {
    expect(plan.mangle).toEqual(expect.arrayContaining(["servedBy", "reserveArena", "slotBytes"]));
  });
});

describe.each([
  "native-image",
  "native-image-stream",
] as const)("the plan of the %s bundle (device images)", (profile) => {
  it("keeps every kernel parameter's field: the image's JSON spells them", () => {
    const plan = deviceManglePlan(profile);
    const fields = new Set<string>();
    for (const name of ["kws12-int8.esm", "kws12-binary.esm"]) {
      const { ops } = decodePrepared(
        Array.from(readFileSync(join(__dirname, "../../models", name))),
      );
      for (const op of ops)
        for (const p of op.params) if (typeof p === "object") for (const k in p) fields.add(k);
    }
    expect(fields.size).toBeGreaterThan(20);
    expect(plan.mangle.filter((n) => fields.has(n))).toEqual([]);
  });
});

describe("the plan of the whole-window image bundle (run plans)", () => {
  it("keeps every name of the run plan the image carries (its fields, op references, parameters)", () => {
    const plan = deviceManglePlan("native-image");
    const keys = new Set<string>();
    const walk = (v: unknown): void => {
      if (v === null || typeof v !== "object") return;
      for (const [k, x] of Object.entries(v)) {
        if (!Array.isArray(v)) keys.add(k);
        walk(x);
      }
    };
    walk(
      recordRunPlan(
        decodePrepared(Array.from(readFileSync(join(__dirname, "../../models/kws12-int8.esm")))),
      ),
    );
    expect([...keys]).toEqual(expect.arrayContaining(["layouts", "quantizedInput", "op", "inH"]));
    expect(plan.mangle.filter((n) => keys.has(n))).toEqual([]);
  });
});

describe("the plan of earshot-device.js (no natives)", () => {
  const plan = deviceManglePlan("mfcc");

  it("keeps what the host's scripts and the engines read: EARSHOT_INPUT and the kernels' names", () => {
    const input = [
      ...["model", "read", "chunked", "feed", "finish", "configure", "memory", "exact", "trace"],
    ];
    for (const name of [...input, "settings", "conv2d", "tflmRequantize"])
      expect(plan.mangle).not.toContain(name);
  });

  it("renames the natives' argument fields and the front end's tables: no host reads them", () => {
    expect(plan.mangle).toEqual(expect.arrayContaining(["inH", "actMin", "cosM", "windowLength"]));
  });
});

describe("JS_KERNEL_MODULES", () => {
  it("lists shared/kernels/reference.ts and every module it imports", () => {
    const src = readFileSync(join(__dirname, "../../shared/kernels/reference.ts"), "utf8");
    const imported = [...src.matchAll(/^import (?!type)[^;]* from "\.\/([\w-]+)";/gm)].map(
      (m) => `shared/kernels/${m[1]}.js`,
    );
    expect(imported.length).toBeGreaterThan(3);
    expect([...JS_KERNEL_MODULES].sort()).toEqual(
      ["shared/kernels/reference.js", ...imported].sort(),
    );
  });
});

describe("the behaviour check", () => {
  const out = buildOutputs();
  beforeAll(() => buildDevice(false, () => {}, "ES5 bundle (device, native)"), 300_000);

  it("passes the native bundle as built, and fails it with a boundary field renamed", () => {
    const built = readFileSync(out.es5DeviceNative, "utf8");
    const cases = behaviourCases("native", join(__dirname, "../..")).slice(0, 1);
    expect(behaviourProblems(built, built, cases, true)).toEqual([]);
    // What a wrong plan would do: rename a field the C hosts (here the host's JS kernels) read.
    const broken = transformSync(built, { mangleProps: /^(inH|actMin)$/, minify: true }).code;
    expect(behaviourProblems(broken, built, cases, true)).toEqual([
      expect.stringMatching(
        /^renaming properties changed what the bundle prints \(models\/kws12-int8\.esm\)/,
      ),
      expect.stringMatching(/\(models\/kws12-int8\.esm, traced\)/),
    ]);
  }, 120_000);
});
