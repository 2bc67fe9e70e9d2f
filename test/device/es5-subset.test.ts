/**
 * The device ES5 subset (shared/portable/SUBSET.md) as the build enforces it on the emitted
 * bundle: function declarations hoisted explicitly, and every rule break reported.
 */
import { readFileSync } from "node:fs";
import { beforeAll, expect, it } from "vitest";
import { buildOutputs } from "../../device/engines/paths";
import { buildDevice } from "../../device/tools/build";
import {
  checkEs5Subset,
  hoistFunctionDeclarations,
  literalIsExact,
  renameEspruinoKeywords,
} from "../../device/tools/es5-subset";

beforeAll(() => buildDevice(false, () => {}, "ES5"), 600_000);

it("hoists function declarations to the top of their body, keeping each statement's text", () => {
  const src =
    'var C=(function(t){lo(r,t);function r(n){return n}return r})(B);function f(){"use strict";g();function g(){}}';
  // f at the top level (reported where its body is visited), r in the class IIFE, g in f.
  expect(
    checkEs5Subset(src).map((b) => b.at.split(" ").slice(1, 3).join(" ").slice(0, 10)),
  ).toEqual(["function f", "function r", "function g"]);
  const out = hoistFunctionDeclarations(src);
  expect(out).toBe(
    'function f(){"use strict";function g(){}g();}var C=(function(t){function r(n){return n}lo(r,t);return r})(B);',
  );
  expect(checkEs5Subset(out)).toEqual([]);
});

// esbuild writes a top-level `for (let i ...)` as `for(E=1;...)...;var E;`. Espruino binds a var
// only when it reaches it, so that loop assigned the global E (Espruino's built-in object) and
// the next E.toArrayBuffer failed: "Function "toArrayBuffer" not found!".
it("hoists bare var statements, and reports a name used before its var statement", () => {
  const src = "(function(){for(E=1;E<2;E++)g(E);var E;var x=y;var y=2;function f(a){a=1}})();";
  expect(checkEs5Subset(src).map((b) => b.rule.split(" (")[0])).toEqual([
    "function declaration after other statements",
    "E used before its var statement",
    "y used before its var statement",
  ]);
  const out = hoistFunctionDeclarations(src);
  expect(out).toBe(
    "(function(){function f(a){a=1}var E;for(E=1;E<2;E++)g(E);var x=y;var y=2;})();",
  );
  // A var with an initializer stays where it is (moving it would move its value): still reported.
  expect(checkEs5Subset(out).map((b) => b.rule.split(" (")[0])).toEqual([
    "y used before its var statement",
  ]);
  // Parameters, nested functions' own vars and property names are not uses of the outer var.
  expect(checkEs5Subset("function f(a){a.b=1;var c=function(){d=1;var d};var a2=a;}")).toEqual([
    { rule: expect.stringMatching(/^d used before/), at: expect.any(String) },
  ]);
});

it("reports APIs and syntax the device engines lack or compute differently", () => {
  const rules = (js: string) => checkEs5Subset(js).map((b) => b.rule.split(" (")[0]);
  expect(rules("var a=Math.imul(2,3),b=Math.sqrt(2),c=new Map;")).toEqual([
    "no Math.imul",
    "no Math.sqrt",
    "no Map",
  ]);
  expect(rules("var x=/a+/.test(s);label:for(;;)break label;")).toEqual([
    "no regular expressions",
    "no labelled statements",
  ]);
  expect(rules("var o={get a(){return 1}};")).toEqual(["no getters/setters"]);
  expect(rules("var f=1e-10,g=.5,h=16e3,k=0.1;")).toEqual([
    "numeric literal not exactly a double",
    "numeric literal not exactly a double",
  ]);
});

it("decides literal exactness from the literal's decimal value", () => {
  expect(
    [".5", ".0625", "16e3", "192e3", "0x7f", "4294967296", "709.782712893384"].map(literalIsExact),
  ).toEqual([true, true, true, true, true, true, false]);
});

it("the built ES5 bundles are within the subset", () => {
  const out = buildOutputs();
  for (const p of [
    out.es5,
    out.es5Device,
    out.es5DeviceStream,
    out.es5DeviceTflm,
    out.es5DeviceNative,
    out.es5DeviceNativeStream,
    out.es5DeviceImage,
    out.es5DeviceImageStream,
    out.es5DeviceImageStreamPlan,
    out.es5Kernels,
  ])
    expect(checkEs5Subset(readFileSync(p, "utf8")), p).toEqual([]);
});

it("renames names Espruino lexes as keywords (the minifier may pick `of`), not properties", () => {
  const src = "function g(of){return of+x.of+static}var of=f(1),x={of:2};";
  expect(checkEs5Subset(src).map((b) => b.rule)).toEqual([
    "no identifier named of (Espruino lexes it as a keyword)",
    "no identifier named of (Espruino lexes it as a keyword)",
    "no identifier named static (Espruino lexes it as a keyword)",
    "no identifier named of (Espruino lexes it as a keyword)",
  ]);
  const out = renameEspruinoKeywords(src);
  expect(out).toBe("function g(of$){return of$+x.of+static$}var of$=f(1),x={of:2};");
  expect(checkEs5Subset(out)).toEqual([]);
  expect(() => renameEspruinoKeywords("var of=1,of$=2")).toThrow(/of\$ is taken/);
});
