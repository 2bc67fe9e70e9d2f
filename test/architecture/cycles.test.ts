/**
 * The layering of the house, checked on the real import graph (import-graph.ts, read with the
 * TypeScript compiler): no import cycles between files or folders inside host/, none between
 * the top-level folders, and no `import(variable)` that hides an internal edge (variables are
 * for optional npm packages only).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { cycles, folderGraph, importGraph, ROOT, sourcesUnder } from "./import-graph";

const files = ["host", "device", "shared", "protocol"].flatMap(sourcesUnder);
const graph = importGraph(files);
const inHost = (f: string) => f.startsWith("host/");

/** The string a dynamic import's argument names, following consts and parameter defaults. */
function specifierOf(sf: ts.SourceFile, arg: ts.Expression, depth = 0): string | null {
  if (ts.isStringLiteralLike(arg)) return arg.text;
  if (!ts.isIdentifier(arg) || depth > 4) return null;
  let found: string | null = null;
  const visit = (n: ts.Node): void => {
    if (found !== null) return;
    const named =
      (ts.isVariableDeclaration(n) || ts.isParameter(n)) && n.name.getText(sf) === arg.text;
    if (named && n.initializer) found = specifierOf(sf, n.initializer, depth + 1);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

describe("layering", () => {
  it("has no import cycle between files inside host/", () => {
    expect(cycles(graph, inHost)).toEqual([]);
  });

  it("has no import cycle between host/ folders (train, compress, eval, fleet, ota, ...)", () => {
    expect(cycles(folderGraph(graph, 2), inHost)).toEqual([]);
  });

  it("has no import cycle between files anywhere in host/, device/, shared/, protocol/", () => {
    expect(cycles(graph, () => true)).toEqual([]);
  });

  it("has no import cycle between the top-level folders", () => {
    expect(cycles(folderGraph(graph, 1), () => true)).toEqual([]);
  });

  it("sees the edges it guards (host/eval above train and compress)", () => {
    const eval_ = folderGraph(graph, 2).get("host/eval") ?? [];
    expect(eval_).toEqual(expect.arrayContaining(["host/train", "host/compress"]));
    expect(folderGraph(graph, 2).get("host/train")).not.toContain("host/compress");
  });

  it("uses import(variable) only for optional npm packages, never to hide an internal edge", () => {
    const hidden: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(ROOT, f), "utf8");
      if (!text.includes("import(")) continue;
      const sf = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true);
      const visit = (n: ts.Node): void => {
        if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
          const arg = n.arguments[0];
          if (!ts.isStringLiteralLike(arg)) {
            const spec = specifierOf(sf, arg);
            if (spec === null || spec.startsWith("."))
              hidden.push(`${f}: import(${arg.getText(sf)})`);
          }
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
    expect(hidden).toEqual([]);
  });
});
