/**
 * Error messages as codes in the device bundles (dictionary logging, as embedded firmware does
 * it): each literal piece of an error message becomes a short token `` `N` `` in the bundle, and
 * the host puts the text back from a dictionary written beside the bundles
 * (device/build/device-messages.json; device/engines/protocol.ts expands the `X` lines). The
 * device keeps every dynamic part (numbers, names) in place, so an expanded message is the
 * original text exactly.
 *
 * A literal is coded only where it can only be message text: an operand of a `+` chain, a branch
 * of a conditional, or the whole argument, in the message argument of an Error constructor the
 * runtime uses (MESSAGE_ARG) or of its one-argument message helpers `fail` and `refuse`, or a
 * thrown expression. A literal compared, indexed, or passed anywhere else stays as it is.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { messageToken } from "../engines/device-messages";
import { shrinkEs5 } from "./es5-shrink";

/** Literals shorter than this stay: a token (`` "`12`" ``) would save little or nothing. */
const MIN_LENGTH = 12;

/** Error constructors, by name, with the position of their message argument. */
const MESSAGE_ARG = new Map([
  ["Error", 0],
  ["ModelFormatError", 0], // (reason, offset)
  ["FrontEndConfigError", 1], // (field, reason)
]);

/**
 * The runtime's message helpers, called with the message alone: the preparers' Ctx.fail(message)
 * and the ES5 entries' refuse(message). A call of the same name with more arguments is another
 * function (validate-config's fail(field, why), incremental.ts' refuse(plan, why)) and is left.
 */
const MESSAGE_HELPERS = new Set(["fail", "refuse"]);

/** Whether `node` is a whole message argument (MESSAGE_ARG, MESSAGE_HELPERS), or thrown. */
function isMessageRoot(node: ts.Node): boolean {
  const p = node.parent;
  if (p === undefined) return false;
  if (ts.isThrowStatement(p)) return true;
  if (ts.isNewExpression(p)) {
    const at = ts.isIdentifier(p.expression) ? MESSAGE_ARG.get(p.expression.text) : undefined;
    return at !== undefined && p.arguments !== undefined && p.arguments[at] === node;
  }
  if (!ts.isCallExpression(p) || p.arguments.length !== 1 || p.arguments[0] !== node) return false;
  const callee = p.expression;
  const name = ts.isIdentifier(callee)
    ? callee.text
    : ts.isPropertyAccessExpression(callee)
      ? callee.name.text
      : "";
  return MESSAGE_HELPERS.has(name);
}

/** Whether the string literal `lit` is message text (see the module comment). */
function isMessageText(lit: ts.StringLiteral): boolean {
  let node: ts.Node = lit;
  for (;;) {
    if (isMessageRoot(node)) return true;
    const p = node.parent;
    if (p === undefined) return false;
    const plus = ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.PlusToken;
    const branch = ts.isConditionalExpression(p) && p.condition !== node;
    if (!plus && !branch && !ts.isParenthesizedExpression(p)) return false;
    node = p;
  }
}

/** Every coded literal of one module's source, in source order. */
function messageLiterals(js: string, fileName: string): ts.StringLiteral[] {
  const sf = ts.createSourceFile(fileName, js, ts.ScriptTarget.ES5, true, ts.ScriptKind.JS);
  const out: ts.StringLiteral[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isStringLiteral(n) && n.text.length >= MIN_LENGTH && isMessageText(n)) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function jsFilesUnder(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) jsFilesUnder(p, out);
    else if (e.name.endsWith(".js")) out.push(p);
  }
  return out;
}

/**
 * The dictionary of every module under `root` (the ES5 tsc output, read as tools/es5-shrink.ts
 * rewrites it for the bundles: template literals as `+` chains): one for all device bundles, the
 * same whichever bundle builds it (files in sorted order, texts in first-seen order).
 */
export function messageDictionary(root: string): string[] {
  const seen = new Map<string, number>();
  const texts: string[] = [];
  for (const file of jsFilesUnder(root).sort()) {
    for (const lit of messageLiterals(shrinkEs5(readFileSync(file, "utf8"), file), file)) {
      if (seen.has(lit.text)) continue;
      seen.set(lit.text, texts.length);
      texts.push(lit.text);
    }
  }
  return texts;
}

/** One module with its message literals as tokens of `dictionary` (a literal not in it stays). */
export function codeMessages(js: string, dictionary: string[], fileName = "module.js"): string {
  const index = new Map(dictionary.map((t, i) => [t, i]));
  const lits = messageLiterals(js, fileName);
  let out = "";
  let at = 0;
  for (const lit of lits) {
    const i = index.get(lit.text);
    if (i === undefined) continue;
    out += `${js.slice(at, lit.getStart())}"${messageToken(i)}"`;
    at = lit.getEnd();
  }
  return out + js.slice(at);
}
