/**
 * Source rewrites of TypeScript's ES5 output for the device bundles (tools/bundle-device.ts
 * applies them to every module as esbuild loads it), each the same program in fewer bytes:
 *
 * - a lowered class (`var C = /** @class *\/ (function () { ... }())`) is marked pure, so esbuild
 *   drops a class nothing uses (it keeps an unmarked IIFE: it cannot tell it has no effects);
 * - `C.prototype` said twice or more in a class body becomes one local (`var C_proto =
 *   C.prototype`, taken after `__extends` has replaced it): the minifier renames a local, never
 *   a property;
 * - a lowered template literal (`"a".concat(x, "b")`) becomes `"a" + x + "b"`: the same string
 *   for every operand the sources format (numbers, strings, arrays); they differ only for an
 *   object with its own valueOf, and the runtime formats none (the build's behaviour check and
 *   the engines' golden tests print the results).
 *
 * And `__extends`, which TypeScript emits once per module that extends a class, is imported
 * from one module instead (splitExtends).
 */
import ts from "typescript";

/** Rewrites one module of TypeScript's ES5 output. */
export function shrinkEs5(js: string, fileName = "module.js"): string {
  const sf = ts.createSourceFile(fileName, js, ts.ScriptTarget.ES5, true, ts.ScriptKind.JS);
  const alias = new Map<ts.Node, string>();
  const before = new Map<ts.Node, string>();
  collectPrototypeAliases(sf, alias, before);
  const emit = (node: ts.Node): string => {
    const lead = js.slice(node.getFullStart(), node.getStart(sf));
    const prefix = before.get(node) ?? "";
    const named = alias.get(node);
    if (named !== undefined) return `${lead}${prefix}${named}`;
    if (isLoweredTemplate(node)) {
      const call = node as ts.CallExpression;
      const head = (call.expression as ts.PropertyAccessExpression).expression;
      const parts = [head, ...call.arguments].map((a) => `(${emit(a).trim()})`);
      return `${lead}${prefix}(${parts.join(" + ")})`;
    }
    // JSDoc comments are children of a JS file's nodes, but their text is already the trivia's.
    const kids = node.getChildren(sf).filter((k) => !ts.isJSDoc(k));
    if (kids.length === 0) return node.getFullText(sf);
    const body = kids.map(emit).join("");
    return prefix === "" ? body : `${lead}${prefix}${body.slice(lead.length)}`;
  };
  return markClassesPure(emit(sf) + js.slice(sf.getEnd()));
}

function markClassesPure(js: string): string {
  return js.replace(/\/\*\* @class \*\/ \(function/g, "/* @__PURE__ */ (function");
}

/**
 * `"text".concat(...)`, and `.concat(...)` on one: how TypeScript lowers a template literal to
 * ES5 (a string literal first, so `+` is string concatenation from the start).
 */
function isLoweredTemplate(node: ts.Node): boolean {
  if (
    !ts.isCallExpression(node) ||
    !ts.isPropertyAccessExpression(node.expression) ||
    node.expression.name.text !== "concat"
  )
    return false;
  const head = node.expression.expression;
  return ts.isStringLiteral(head) || isLoweredTemplate(head);
}

function isPrototypeAccess(node: ts.Node, name: string): node is ts.PropertyAccessExpression {
  return (
    ts.isPropertyAccessExpression(node) &&
    node.name.text === "prototype" &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === name
  );
}

/**
 * In each lowered class body (a function expression's block declaring `function C`), every
 * `C.prototype` -> `C_proto`, declared before the first statement that says it.
 */
function collectPrototypeAliases(
  sf: ts.SourceFile,
  alias: Map<ts.Node, string>,
  before: Map<ts.Node, string>,
): void {
  const visit = (node: ts.Node): void => {
    if (ts.isBlock(node) && ts.isFunctionExpression(node.parent)) {
      for (const st of node.statements) {
        if (!ts.isFunctionDeclaration(st) || st.name === undefined) continue;
        const name = st.name.text;
        const uses: ts.PropertyAccessExpression[] = [];
        const find = (n: ts.Node): void => {
          if (isPrototypeAccess(n, name)) uses.push(n);
          else n.forEachChild(find);
        };
        node.forEachChild(find);
        const first = node.statements.find((s) =>
          uses.some((u) => u.pos >= s.pos && u.end <= s.end),
        );
        // The alias would go stale if the class body assigned C.prototype itself.
        if (uses.length < 2 || first === undefined || assignsPrototype(uses)) continue;
        const local = `${name}_proto`;
        for (const u of uses) alias.set(u, local);
        before.set(first, `${before.get(first) ?? ""}var ${local} = ${name}.prototype; `);
      }
    }
    node.forEachChild(visit);
  };
  visit(sf);
}

function assignsPrototype(uses: ts.PropertyAccessExpression[]): boolean {
  return uses.some(
    (u) =>
      ts.isBinaryExpression(u.parent) &&
      u.parent.left === u &&
      u.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken,
  );
}

/**
 * The one `__extends` of a device bundle: TypeScript's helper without what the runtime's classes
 * never need (Object.setPrototypeOf for static members, the check that the base is a
 * constructor): statics copied, the prototype chained. Only the error classes extend (Error,
 * EarshotError), and they have no statics.
 */
export const DEVICE_EXTENDS = `var __extends = function (d, b) {
    for (var p in b) if (Object.prototype.hasOwnProperty.call(b, p)) d[p] = b[p];
    function __() { this.constructor = d; }
    __.prototype = b.prototype;
    d.prototype = new __();
};
`;

const EXTENDS =
  /^var __extends = \(this && this\.__extends\) \|\| \(function \(\) \{\n[\s\S]*?^\}\)\(\);\n/m;

/**
 * TypeScript's `__extends` helper out of a module: the module importing it from `from`, and the
 * helper's text (null when the module has none).
 */
export function splitExtends(js: string, from: string): { js: string; helper: string | null } {
  const m = EXTENDS.exec(js);
  if (m === null) return { js, helper: null };
  const imported = `import { __extends } from ${JSON.stringify(from)};\n`;
  return { js: js.replace(m[0], imported), helper: m[0] };
}

/** A module's do-nothing checks: methods with an empty body, methods and functions returning a literal. */
export interface NoopChecks {
  empty: Set<string>;
  constant: Set<string>;
  constantFunctions: Set<string>;
}

/** The no-op methods (`C.prototype.m = function () { }`) and functions of a module. */
export function noopChecks(js: string): NoopChecks {
  const sf = ts.createSourceFile("checks.js", js, ts.ScriptTarget.ES5, true, ts.ScriptKind.JS);
  const found: NoopChecks = { empty: new Set(), constant: new Set(), constantFunctions: new Set() };
  const classify = (name: string, body: ts.Block | undefined, method: boolean): void => {
    if (body === undefined) return;
    const [only, ...rest] = body.statements;
    if (only === undefined) {
      if (method) found.empty.add(name);
    } else if (rest.length === 0 && ts.isReturnStatement(only) && isLiteral(only.expression))
      (method ? found.constant : found.constantFunctions).add(name);
  };
  const visit = (node: ts.Node): void => {
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(node.left) &&
      ts.isPropertyAccessExpression(node.left.expression) &&
      node.left.expression.name.text === "prototype" &&
      ts.isFunctionExpression(node.right)
    )
      classify(node.left.name.text, node.right.body, true);
    if (ts.isFunctionDeclaration(node) && node.name !== undefined)
      classify(node.name.text, node.body, false);
    node.forEachChild(visit);
  };
  visit(sf);
  return found;
}

function isLiteral(e: ts.Expression | undefined): boolean {
  return (
    e !== undefined &&
    (ts.isNumericLiteral(e) ||
      ts.isStringLiteral(e) ||
      e.kind === ts.SyntaxKind.TrueKeyword ||
      e.kind === ts.SyntaxKind.FalseKeyword ||
      e.kind === ts.SyntaxKind.NullKeyword)
  );
}

/**
 * Statements that only call a no-op check (`receiver.m(...)` with `m` empty in `checks`) become
 * `;`, when evaluating their arguments has no effect: reads, literals, arithmetic, and calls of
 * the checks' constant methods and functions. Anything else stays as written.
 */
export function dropNoopCalls(js: string, receiver: string, checks: NoopChecks): string {
  const sf = ts.createSourceFile("module.js", js, ts.ScriptTarget.ES5, true, ts.ScriptKind.JS);
  /** `receiver.m(...)`: m; anything else: null. */
  const method = (call: ts.CallExpression): string | null => {
    const f = call.expression;
    return ts.isPropertyAccessExpression(f) &&
      ts.isIdentifier(f.expression) &&
      f.expression.text === receiver
      ? f.name.text
      : null;
  };
  const effectFree = (e: ts.Node): boolean => {
    if (ts.isIdentifier(e) || isLiteral(e as ts.Expression)) return true;
    if (ts.isCallExpression(e)) {
      const m = method(e);
      const f = ts.isIdentifier(e.expression) ? e.expression.text : null;
      const constant =
        (m !== null && checks.constant.has(m)) || (f !== null && checks.constantFunctions.has(f));
      return constant && e.arguments.every(effectFree);
    }
    if (
      ts.isPropertyAccessExpression(e) ||
      ts.isElementAccessExpression(e) ||
      ts.isArrayLiteralExpression(e) ||
      ts.isParenthesizedExpression(e) ||
      ts.isConditionalExpression(e) ||
      (ts.isPrefixUnaryExpression(e) &&
        e.operator !== ts.SyntaxKind.PlusPlusToken &&
        e.operator !== ts.SyntaxKind.MinusMinusToken) ||
      (ts.isBinaryExpression(e) && !isAssignment(e.operatorToken.kind))
    ) {
      let ok = true;
      e.forEachChild((k) => {
        if (ok && !ts.isToken(k) && !ts.isMemberName(k)) ok = effectFree(k);
      });
      return ok;
    }
    return false;
  };
  const edits: [number, number][] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isExpressionStatement(node) &&
      ts.isCallExpression(node.expression) &&
      checks.empty.has(method(node.expression) ?? "") &&
      node.expression.arguments.every(effectFree)
    ) {
      edits.push([node.getStart(sf), node.getEnd()]);
      return;
    }
    node.forEachChild(visit);
  };
  visit(sf);
  let out = js;
  for (const [start, end] of edits.reverse()) out = `${out.slice(0, start)};${out.slice(end)}`;
  return out;
}

function isAssignment(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}
