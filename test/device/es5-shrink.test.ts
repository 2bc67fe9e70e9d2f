/**
 * The device bundles' rewrites of TypeScript's ES5 output (device/tools/es5-shrink.ts): the
 * rewritten module computes the same values, in fewer bytes once minified.
 */

import { runInNewContext } from "node:vm";
import { transformSync } from "esbuild";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import {
  DEVICE_EXTENDS,
  dropNoopCalls,
  noopChecks,
  shrinkEs5,
  splitExtends,
} from "../../device/tools/es5-shrink";

const SOURCE = `
class Base { constructor(public n: number) {} twice(): number { return 2 * this.n; } }
class Counter extends Base {
  add(k: number): number { return this.n + k; }
  label(x: number[]): string { return \`n=\${this.n} of \${x} (\${this.n - 1}/\${x.length})\`; }
  get size(): number { return this.n; }
}
class Unused { hello(): string { return "unused"; } there(): string { return "!"; } }
export function run(): string[] {
  const c = new Counter(3);
  return [c.label([1, 2]), String(c.add(4)), String(c.twice()), String(c.size), \`\${c.n}\`];
}
`;

const es5 = ts.transpileModule(SOURCE, {
  compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.CommonJS },
}).outputText;

function runModule(js: string): string[] {
  const module = { exports: {} as { run: () => string[] } };
  new Function("module", "exports", js)(module, module.exports);
  return module.exports.run();
}

const minified = (js: string) => transformSync(js, { minify: true, target: "es5" }).code;

describe("shrinkEs5", () => {
  it("keeps what the module computes", () => {
    expect(runModule(shrinkEs5(es5))).toEqual(runModule(es5));
    expect(runModule(es5)).toEqual(["n=3 of 1,2 (2/2)", "7", "6", "3", "3"]);
  });

  it("lowers template literals to +, names each prototype once, marks classes pure", () => {
    const out = shrinkEs5(es5);
    expect(es5).toContain(".concat(");
    expect(out).not.toContain(".concat(");
    expect(out.match(/Counter\.prototype/g)).toHaveLength(1);
    expect(out).toContain("/* @__PURE__ */");
    expect(minified(out).length).toBeLessThan(minified(es5).length);
  });

  it("lets esbuild drop a class nothing uses", () => {
    const bundle = (js: string) =>
      transformSync(js, { minify: true, treeShaking: true, format: "esm", target: "es5" }).code;
    const esm = ts.transpileModule(SOURCE, {
      compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.ESNext },
    }).outputText;
    expect(bundle(esm)).toContain("unused");
    expect(bundle(shrinkEs5(esm))).not.toContain("unused");
  });
});

describe("splitExtends", () => {
  it("takes TypeScript's __extends out, importing it instead", () => {
    const { js, helper } = splitExtends(es5, "earshot:extends");
    expect(helper).toMatch(/^var __extends = /);
    expect(js).not.toContain("var __extends");
    expect(js).toContain('import { __extends } from "earshot:extends";');
    const restored = js.replace(/import \{ __extends \} from "earshot:extends";\n/, helper ?? "");
    expect(runModule(restored)).toEqual(runModule(es5));
  });

  it("leaves a module without the helper alone", () => {
    expect(splitExtends("var x = 1;\n", "h")).toEqual({ js: "var x = 1;\n", helper: null });
  });
});

describe("DEVICE_EXTENDS", () => {
  it("chains the prototype and copies statics, as TypeScript's helper does for the runtime's classes", () => {
    const ctx: Record<string, unknown> = {};
    runInNewContext(
      `${DEVICE_EXTENDS}
      function Base(m) { this.message = m; this.expected = true; }
      Base.prototype.describe = function () { return "base: " + this.message; };
      Base.kind = "static";
      function Derived(m) { Base.call(this, "derived " + m); }
      __extends(Derived, Base);
      var d = new Derived("x");
      result = [d instanceof Derived, d instanceof Base, d.constructor === Derived, d.describe(), Derived.kind, d.expected];`,
      ctx,
    );
    expect(ctx.result).toEqual([true, true, true, "base: derived x", "static", true]);
  });
});

describe("dropNoopCalls", () => {
  const checks = noopChecks(`
var Ctx = /** @class */ (function () {
    function Ctx() { }
    Ctx.prototype.zp = function (_v, _what) { };
    Ctx.prototype.xMax = function (_x) { return 0; };
    Ctx.prototype.rank = function (t, r) { if (t.length !== r) throw new Error("rank"); };
    return Ctx;
}());
export function maxAbs(_d) { return 0; }
export function loud(d) { return d.length; }
`);

  it("finds the empty methods and the constant ones", () => {
    expect(checks.empty).toEqual(new Set(["zp"]));
    expect(checks.constant).toEqual(new Set(["xMax"]));
    expect(checks.constantFunctions).toEqual(new Set(["maxAbs"]));
  });

  it("drops calls of empty methods whose arguments do nothing, and only those", () => {
    const js = [
      'c.zp(a[0] + 1, "input zero point");',
      "c.zp(c.xMax(x), maxAbs(w));",
      "if (k) c.zp(k, [g.h, -g.w]);",
      "c.rank(x, 3);",
      "c.zp(next(), 1);",
      "c.zp(k++, 1);",
      "c.zp(loud(w), 1);",
      "d.zp(k, 1);",
    ].join("\n");
    expect(dropNoopCalls(js, "c", checks).split("\n")).toEqual([
      ";",
      ";",
      "if (k) ;",
      "c.rank(x, 3);",
      "c.zp(next(), 1);",
      "c.zp(k++, 1);",
      "c.zp(loud(w), 1);",
      "d.zp(k, 1);",
    ]);
  });
});
