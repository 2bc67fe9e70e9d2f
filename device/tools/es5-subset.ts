/**
 * The emitted ES5 bundle's subset rules (shared/portable/SUBSET.md, "What the device engines
 * accept"), applied after esbuild: `hoistFunctionDeclarations` makes the one rewrite the rules
 * allow, `checkEs5Subset` lists every rule break so the build fails on one. Both parse the bundle
 * with TypeScript's parser (a build tool; nothing of it ships).
 */
import ts from "typescript";

export interface SubsetBreak {
  rule: string;
  /** 1-based line:column in the bundle, and a short excerpt. */
  at: string;
}

function isFunctionBody(node: ts.Node): node is ts.Block {
  return (
    ts.isBlock(node) &&
    (ts.isFunctionDeclaration(node.parent) ||
      ts.isFunctionExpression(node.parent) ||
      ts.isArrowFunction(node.parent) ||
      ts.isMethodDeclaration(node.parent) ||
      ts.isConstructorDeclaration(node.parent))
  );
}

function isPrologue(s: ts.Statement): boolean {
  return ts.isExpressionStatement(s) && ts.isStringLiteral(s.expression);
}

/** `var a, b;`: a var statement that declares only (no initializer), which may move freely. */
function isBareVar(s: ts.Statement): boolean {
  return (
    ts.isVariableStatement(s) &&
    (s.declarationList.flags & ts.NodeFlags.BlockScoped) === 0 &&
    s.declarationList.declarations.every((d) => d.initializer === undefined)
  );
}

/**
 * Statements in hoisting order: directive prologue, function declarations, bare var statements,
 * the rest.
 */
function hoistedOrder(statements: readonly ts.Statement[]): ts.Statement[] {
  const prologue = statements.filter(isPrologue);
  const rest = statements.filter((s) => !isPrologue(s));
  const hoisted = (s: ts.Statement) => ts.isFunctionDeclaration(s) || isBareVar(s);
  return [
    ...prologue,
    ...rest.filter(ts.isFunctionDeclaration),
    ...rest.filter(isBareVar),
    ...rest.filter((s) => !hoisted(s)),
  ];
}

/**
 * Moves every function declaration, then every bare `var x;`, to the top of its function body
 * (or of the script): what ES5 hoisting means, made explicit, because Espruino runs a function
 * body statement by statement and binds a declaration only when it reaches it. TypeScript's ES5
 * class lowering calls `__extends(C, _super)` before `function C`, so without this the bundle
 * stops at once; esbuild writes a top-level `for (let i ...)` as `for(E=1;...)...;var E;`, and
 * on Espruino that loop assigns the global `E` (its built-in object) before the var binds a
 * local. Only statement order changes; every statement's own text stays byte for byte.
 */
export function hoistFunctionDeclarations(js: string): string {
  const sf = ts.createSourceFile("bundle.js", js, ts.ScriptTarget.ES5, true, ts.ScriptKind.JS);
  const rewrite = (node: ts.Node): string => {
    const start = node.getStart(sf);
    const end = node.end;
    const list: readonly ts.Statement[] | null =
      ts.isSourceFile(node) || isFunctionBody(node) ? node.statements : null;
    if (list !== null && list.length > 0) {
      const open = ts.isSourceFile(node) ? "" : js.slice(start, list[0].getStart(sf));
      const close = ts.isSourceFile(node) ? "" : js.slice(list[list.length - 1].end, end);
      return open + hoistedOrder(list).map(rewrite).join("") + close;
    }
    let out = "";
    let pos = start;
    ts.forEachChild(node, (child) => {
      const cs = child.getStart(sf);
      if (cs < pos) return; // JSDoc or synthetic children sit inside text already copied
      out += js.slice(pos, cs) + rewrite(child);
      pos = child.end;
    });
    return out + js.slice(pos, end);
  };
  return rewrite(sf);
}

/**
 * Words Espruino's lexer takes as keywords though ES5 does not reserve them: esbuild's minifier
 * may pick one as a name (`var of=...` stops Espruino with "Got of expected EOF").
 */
const ESPRUINO_KEYWORDS = new Set(["of", "let", "const", "class", "extends", "super", "static"]);

/** Whether identifier `node` names a binding or reference (not a property name or key). */
function isBindingOrReference(node: ts.Identifier): boolean {
  const p = node.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === node) return false;
  if ((ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p)) && p.name === node) return false;
  return true;
}

/**
 * Renames every identifier Espruino lexes as a keyword (ESPRUINO_KEYWORDS) to the same word
 * with a `$` appended, after checking that name is not in the bundle already. Property names
 * keep their spelling.
 */
export function renameEspruinoKeywords(js: string): string {
  const sf = ts.createSourceFile("bundle.js", js, ts.ScriptTarget.ES5, true, ts.ScriptKind.JS);
  const hits: ts.Identifier[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && ESPRUINO_KEYWORDS.has(node.text) && isBindingOrReference(node))
      hits.push(node);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  let out = js;
  for (const word of new Set(hits.map((h) => h.text)))
    if (js.includes(`${word}$`)) throw new Error(`renameEspruinoKeywords: ${word}$ is taken`);
  // From the end, so earlier positions stay valid.
  for (const h of hits.sort((a, b) => b.getStart(sf) - a.getStart(sf)))
    out = `${out.slice(0, h.getStart(sf))}${h.text}$${out.slice(h.end)}`;
  return out;
}

/** Globals and members the device engines lack or compute differently (SUBSET.md). */
const FORBIDDEN_MEMBERS: Record<string, string> = {
  "Math.imul": "no Math.imul (Espruino lacks it): use shared/portable/int.ts",
  "Math.fround": "no Math.fround",
  "Math.clz32": "no Math.clz32 (Espruino lacks it)",
  "Object.defineProperty":
    "no Object.defineProperty (getters/setters): Espruino and the minimal profiles",
  "Array.from": "no Array.from (ES2015)",
  "Object.assign": "no Object.assign (ES2015)",
};
// Engines compute these differently in the last bits (Espruino: Math.sqrt is exp(log(x) / 2));
// shared/portable/detmath.ts has exact versions.
for (const f of ["sqrt", "pow", "exp", "log", "sin", "cos", "tan", "atan", "atan2", "asin"]) {
  FORBIDDEN_MEMBERS[`Math.${f}`] =
    `no Math.${f} (not bit-exact across engines): shared/portable/detmath.ts`;
}
for (const f of ["acos", "tanh", "cbrt", "hypot", "log2", "log10", "expm1", "log1p", "random"]) {
  FORBIDDEN_MEMBERS[`Math.${f}`] = `no Math.${f} (not bit-exact across engines)`;
}

/** The exact rational value of a finite double: [mantissa, exponent] with v = m * 2^e. */
function dyadic(v: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(v));
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  return exp === 0 ? [frac, -1074] : [frac | (1n << 52n), exp - 1075];
}

/**
 * Whether a numeric literal's decimal text is exactly the double it denotes (.5, .0625, 16e3),
 * so an engine whose decimal parser rounds imperfectly (Espruino: 1e-10 lands an ulp off)
 * still reads the same bits. Hex literals are integers: always exact below 2^53.
 */
export function literalIsExact(text: string): boolean {
  const t = text.toLowerCase();
  if (t.startsWith("0x") || t.startsWith("0o") || t.startsWith("0b")) return true;
  const m = /^(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/.exec(t);
  if (m === null) return false;
  const digits = BigInt(`${m[1]}${m[2] ?? ""}` || "0");
  const k = Number(m[3] ?? "0") - (m[2] ?? "").length; // value = digits * 10^k
  const v = Number(t);
  if (!Number.isFinite(v)) return false;
  const [mant, e] = dyadic(v);
  const pow = (b: bigint, n: number): bigint => b ** BigInt(n);
  const left = digits * pow(10n, Math.max(k, 0)) * pow(2n, Math.max(-e, 0));
  const right = mant * pow(2n, Math.max(e, 0)) * pow(10n, Math.max(-k, 0));
  return left === right;
}

const FORBIDDEN_GLOBALS: Record<string, string> = {
  Symbol: "no Symbol",
  Map: "no Map (use arrays)",
  Set: "no Set (use arrays)",
  Promise: "no Promise",
  Proxy: "no Proxy",
  Reflect: "no Reflect",
  BigInt: "no BigInt",
  DataView: "no DataView (Espruino's is partial): read bytes with shared/model-format/bytes.ts",
};

/** Whether `node` starts a function of its own (its body is another scope). */
function isFunctionLike(node: ts.Node): boolean {
  return (
    ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node)
  );
}

/**
 * Reports each name this function body (or script) uses before the `var` statement that
 * declares it, at the same function level (nested functions are their own scope): Espruino
 * binds a var only when it reaches the statement, so the earlier use reads or writes a global
 * of that name. Parameters and function declarations bind at entry.
 */
function varsBeforeUse(
  body: ts.SourceFile | ts.Block,
  report: (node: ts.Node, rule: string) => void,
): void {
  const bound = new Set<string>();
  const fn = ts.isSourceFile(body) ? null : body.parent;
  if (fn !== null && (ts.isFunctionDeclaration(fn) || ts.isFunctionExpression(fn)))
    for (const p of fn.parameters) if (ts.isIdentifier(p.name)) bound.add(p.name.text);
  // Names declared by a var anywhere in this function (not in nested ones), and where.
  const varAt = new Map<string, number>();
  const collect = (node: ts.Node): void => {
    if (isFunctionLike(node)) {
      if (ts.isFunctionDeclaration(node) && node.name) bound.add(node.name.text);
      return;
    }
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && !varAt.has(node.name.text))
      varAt.set(node.name.text, node.getStart());
    ts.forEachChild(node, collect);
  };
  body.forEachChild(collect);
  const reported = new Set<string>();
  const uses = (node: ts.Node): void => {
    if (isFunctionLike(node)) return;
    if (ts.isIdentifier(node) && isBindingOrReference(node) && !bound.has(node.text)) {
      const at = varAt.get(node.text);
      const declaring = ts.isVariableDeclaration(node.parent) && node.parent.name === node;
      if (at !== undefined && node.getStart() < at && !declaring && !reported.has(node.text)) {
        reported.add(node.text);
        report(
          node,
          `${node.text} used before its var statement (Espruino does not hoist var: the use reaches a global ${node.text})`,
        );
      }
    }
    ts.forEachChild(node, uses);
  };
  body.forEachChild(uses);
}

/** Every rule break in an emitted ES5 bundle; empty when it is within the device subset. */
export function checkEs5Subset(js: string): SubsetBreak[] {
  const sf = ts.createSourceFile("bundle.js", js, ts.ScriptTarget.ES5, true, ts.ScriptKind.JS);
  const out: SubsetBreak[] = [];
  const report = (node: ts.Node, rule: string): void => {
    const p = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    const text = js.slice(node.getStart(sf), Math.min(node.end, node.getStart(sf) + 40));
    out.push({ rule, at: `${p.line + 1}:${p.character + 1} ${text}` });
  };
  const bodyOrder = (statements: readonly ts.Statement[]): void => {
    let seenOther = false;
    for (const s of statements) {
      if (isPrologue(s)) continue;
      if (ts.isFunctionDeclaration(s)) {
        if (seenOther)
          report(s, "function declaration after other statements (Espruino does not hoist)");
      } else seenOther = true;
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isSourceFile(node) || isFunctionBody(node)) {
      bodyOrder(node.statements);
      varsBeforeUse(node, report);
    } else if (ts.isFunctionDeclaration(node) && !ts.isSourceFile(node.parent)) {
      const body = node.parent;
      if (!isFunctionBody(body)) report(node, "function declaration inside a block (not ES5)");
    }
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const name = `${node.expression.text}.${node.name.text}`;
      const why = FORBIDDEN_MEMBERS[name];
      if (why !== undefined) report(node, why);
    }
    if (ts.isIdentifier(node) && FORBIDDEN_GLOBALS[node.text] !== undefined) {
      const p = node.parent;
      const isMemberName = ts.isPropertyAccessExpression(p) && p.name === node;
      const isKey = ts.isPropertyAssignment(p) && p.name === node;
      if (!isMemberName && !isKey) report(node, FORBIDDEN_GLOBALS[node.text]);
    }
    if (ts.isIdentifier(node) && ESPRUINO_KEYWORDS.has(node.text) && isBindingOrReference(node))
      report(node, `no identifier named ${node.text} (Espruino lexes it as a keyword)`);
    if (ts.isRegularExpressionLiteral(node)) report(node, "no regular expressions");
    if (ts.isNumericLiteral(node) && !literalIsExact(node.getText(sf)))
      report(node, "numeric literal not exactly a double (write it as an exact fraction)");
    if (ts.isGetAccessor(node) || ts.isSetAccessor(node)) report(node, "no getters/setters");
    if (node.kind === ts.SyntaxKind.DebuggerStatement) report(node, "no debugger statement");
    if (ts.isLabeledStatement(node)) report(node, "no labelled statements (Espruino lacks them)");
    if (ts.isVariableDeclarationList(node) && (node.flags & ts.NodeFlags.BlockScoped) !== 0)
      report(node, "no let/const in the emitted bundle (ES5)");
    if (
      ts.isArrowFunction(node) ||
      ts.isClassDeclaration(node) ||
      ts.isClassExpression(node) ||
      ts.isTemplateExpression(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isSpreadElement(node) ||
      ts.isForOfStatement(node)
    )
      report(node, `no ${ts.SyntaxKind[node.kind]} in the emitted bundle (ES5)`);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}
