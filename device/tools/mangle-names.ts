/**
 * Which property names the device bundles may rename (esbuild's mangleProps), derived from the
 * sources rather than listed by hand, so members added to the runtime are renamed too.
 *
 * Candidates are the names the bundle's own TypeScript declares: class members, interface and
 * type-literal members, object-literal keys. A candidate stays as written (reserved) when:
 *   - the standard library declares it (lib.esnext: Object, Array, typed arrays, Math, String,
 *     Error ...): engines look those up by their names;
 *   - it crosses the boundary with a host: a member of any type reachable from an ambient
 *     declaration (`declare const EARSHOT_INPUT`, `declare const EarshotNative`: the natives,
 *     their argument objects, the front end the C hosts read), or a name the hosts spell out
 *     (identifier-shaped string literals of the C hosts, member accesses and object keys in the
 *     scripts the host side writes);
 *   - it is also a string value in the sources (`"conv2d"` in the op table, `o["key"]`): esbuild
 *     renames `o.conv2d` but never the text of a string, so a name that may be looked up from a
 *     string must keep its spelling;
 *   - the sources read an object's members with a computed key (`k[name]`, `for (k in o)`,
 *     `Object.keys(o)`): every member of that object's type.
 * tools/bundle-device.ts applies the plan and fails when esbuild renamed a reserved name.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import ts from "typescript";
import { DEVICE_DIR } from "../engines/paths";
import { DEVICE_PROFILES, type DeviceProfileName } from "./device-profiles";

export interface ManglePlan {
  /** Names esbuild may rename, sorted. */
  mangle: string[];
  /** Every name kept as written, with the first reason found. */
  reserved: Map<string, string>;
}

export interface ManglePlanInputs {
  /** The tsconfig whose program is the bundle's sources (device/targets/es5/tsconfig.json). */
  tsconfig: string;
  /** The program's root files when not the tsconfig's (one bundle's entry and swap modules). */
  roots?: string[];
  /** Host code whose string literals name bundle properties: C hosts, host-side JS writers. */
  hostFiles: string[];
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

function reserve(reserved: Map<string, string>, name: string, why: string): void {
  if (!reserved.has(name)) reserved.set(name, why);
}

/** The name of a member / key node when it is a plain identifier or identifier-shaped string. */
function memberName(name: ts.PropertyName | undefined): string | null {
  if (name === undefined) return null;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteral(name) && IDENT.test(name.text)) return name.text;
  return null;
}

/** Names a source file declares as properties (the candidates). */
function declaredNames(sf: ts.SourceFile, out: Set<string>): void {
  const visit = (n: ts.Node): void => {
    if (
      ts.isPropertyDeclaration(n) ||
      ts.isMethodDeclaration(n) ||
      ts.isPropertySignature(n) ||
      ts.isMethodSignature(n) ||
      ts.isGetAccessorDeclaration(n) ||
      ts.isSetAccessorDeclaration(n) ||
      ts.isPropertyAssignment(n) ||
      ts.isShorthandPropertyAssignment(n)
    ) {
      const name = memberName(n.name);
      if (name !== null) out.add(name);
    } else if (ts.isParameter(n) && ts.isParameterPropertyDeclaration(n, n.parent)) {
      if (ts.isIdentifier(n.name)) out.add(n.name.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}

/** Every member name a declaration file declares (the standard library). */
function libNames(sf: ts.SourceFile, reserved: Map<string, string>): void {
  const visit = (n: ts.Node): void => {
    if (
      ts.isPropertySignature(n) ||
      ts.isMethodSignature(n) ||
      ts.isPropertyDeclaration(n) ||
      ts.isMethodDeclaration(n) ||
      ts.isGetAccessorDeclaration(n) ||
      ts.isSetAccessorDeclaration(n)
    ) {
      const name = memberName(n.name);
      if (name !== null)
        reserve(reserved, name, `standard library (${sf.fileName.replace(/.*\//, "")})`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}

/** Member names of `type` and of every type reachable through members, calls and unions. */
function reachableNames(
  checker: ts.TypeChecker,
  type: ts.Type,
  at: ts.Node,
  found: (name: string) => void,
  seen: Set<ts.Type> = new Set(),
): void {
  if (seen.has(type)) return;
  seen.add(type);
  const walk = (t: ts.Type) => reachableNames(checker, t, at, found, seen);
  if (type.isUnionOrIntersection()) for (const t of type.types) walk(t);
  const isReference =
    (type.flags & ts.TypeFlags.Object) !== 0 &&
    ((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) !== 0;
  if (isReference) for (const arg of checker.getTypeArguments(type as ts.TypeReference)) walk(arg);
  // The standard library's types (arrays, strings, typed arrays): their names are reserved as
  // such, and walking their generic methods would not end.
  const decls = (type.aliasSymbol ?? type.getSymbol())?.getDeclarations() ?? [];
  if (decls.some((d) => d.getSourceFile().isDeclarationFile)) return;
  for (const p of checker.getPropertiesOfType(type)) {
    found(p.name);
    walk(checker.getTypeOfSymbolAtLocation(p, at));
  }
  const sigs = [
    ...checker.getSignaturesOfType(type, ts.SignatureKind.Call),
    ...checker.getSignaturesOfType(type, ts.SignatureKind.Construct),
  ];
  for (const s of sigs) {
    for (const p of s.getParameters()) walk(checker.getTypeOfSymbolAtLocation(p, at));
    walk(s.getReturnType());
  }
  const index = checker.getIndexInfosOfType(type);
  for (const info of index) walk(info.type);
}

const isAmbient = (n: ts.Node): boolean =>
  (ts.getCombinedModifierFlags(n as ts.Declaration) & ts.ModifierFlags.Ambient) !== 0;

/** Reservations the bundle's own sources imply: boundary types, strings, computed access. */
function sourceReservations(
  checker: ts.TypeChecker,
  sf: ts.SourceFile,
  reserved: Map<string, string>,
): void {
  const file = sf.fileName;
  const membersOf = (expr: ts.Expression, why: string) => {
    const t = checker.getTypeAtLocation(expr);
    const names = (x: ts.Type) => {
      for (const p of checker.getPropertiesOfType(checker.getApparentType(x)))
        reserve(reserved, p.name, why);
    };
    if (t.isUnionOrIntersection()) for (const x of t.types) names(x);
    else names(t);
  };
  const isNumeric = (e: ts.Expression) =>
    (checker.getTypeAtLocation(e).flags & ts.TypeFlags.NumberLike) !== 0;
  const visit = (n: ts.Node): void => {
    if (
      (ts.isVariableStatement(n) || ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n)) &&
      isAmbient(n)
    ) {
      const decls = ts.isVariableStatement(n) ? n.declarationList.declarations : [n];
      for (const d of decls) {
        const name = d.name !== undefined && ts.isIdentifier(d.name) ? d.name.text : "?";
        const why = `crosses to the host (declare ${name}, ${file})`;
        reachableNames(checker, checker.getTypeAtLocation(d), d, (p) => reserve(reserved, p, why));
      }
    }
    if (
      (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) &&
      IDENT.test(n.text) &&
      !ts.isImportDeclaration(n.parent) &&
      !ts.isExportDeclaration(n.parent)
    ) {
      reserve(reserved, n.text, `a string value in ${file}`);
    }
    if (ts.isElementAccessExpression(n)) {
      const key = n.argumentExpression;
      if (!ts.isStringLiteralLike(key) && !isNumeric(key))
        membersOf(n.expression, `read with a computed key in ${file}`);
    }
    if (ts.isForInStatement(n)) membersOf(n.expression, `enumerated (for in) in ${file}`);
    if (
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      ts.isIdentifier(n.expression.expression) &&
      n.expression.expression.text === "Object" &&
      n.arguments.length > 0
    ) {
      membersOf(n.arguments[0], `passed to Object.${n.expression.name.text} in ${file}`);
    }
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.InKeyword)
      membersOf(n.right, `tested with 'in' in ${file}`);
    ts.forEachChild(n, visit);
  };
  visit(sf);
}

/**
 * Names host code spells out: identifier-shaped string literals (C: `prop_int(o, "inH")`,
 * Espruino's wrapper JSON), and in host-written scripts member accesses (`.feed(`) and object
 * keys (`model:`). Over-reserving only costs bytes; missing one breaks a host.
 */
export function hostNames(text: string): string[] {
  const names = new Set<string>();
  const literals = /"((?:[^"\\\n]|\\.)*)"(\s*:)?|'((?:[^'\\\n]|\\.)*)'|`([^`]*)`/g;
  for (const m of text.matchAll(literals)) {
    const s = m[1] ?? m[3] ?? m[4] ?? "";
    // A quoted key followed by ':' is the key of Espruino's wrapper JSON ("params" : ...).
    if (IDENT.test(s) && m[2] === undefined) names.add(s);
    for (const a of s.matchAll(/\.\s*([A-Za-z_$][\w$]*)/g)) names.add(a[1]);
    for (const a of s.matchAll(/([A-Za-z_$][\w$]*)\s*:/g)) names.add(a[1]);
  }
  return [...names];
}

function parseConfig(tsconfig: string): ts.ParsedCommandLine {
  const read = ts.readConfigFile(tsconfig, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  return ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(tsconfig));
}

/** The standard library's member names, from every lib through esnext (engines differ). */
function standardLibrary(reserved: Map<string, string>): void {
  const program = ts.createProgram({
    rootNames: [],
    options: { lib: ["lib.esnext.d.ts"], noEmit: true, types: [] },
  });
  for (const sf of program.getSourceFiles())
    if (program.isSourceFileDefaultLibrary(sf)) libNames(sf, reserved);
}

export function manglePlan(inputs: ManglePlanInputs): ManglePlan {
  const config = parseConfig(inputs.tsconfig);
  const program = ts.createProgram({
    rootNames: inputs.roots ?? config.fileNames,
    options: config.options,
  });
  const checker = program.getTypeChecker();
  const reserved = new Map<string, string>();
  standardLibrary(reserved);
  const candidates = new Set<string>();
  for (const sf of program.getSourceFiles()) {
    if (program.isSourceFileDefaultLibrary(sf) || sf.isDeclarationFile) {
      libNames(sf, reserved);
      continue;
    }
    declaredNames(sf, candidates);
    sourceReservations(checker, sf, reserved);
  }
  for (const f of inputs.hostFiles)
    for (const name of hostNames(readFileSync(f, "utf8")))
      reserve(reserved, name, `named by the host (${f})`);
  const mangle = [...candidates].filter((n) => !reserved.has(n)).sort();
  return { mangle, reserved };
}

/** The esbuild `mangleProps` pattern for exactly these names. */
export function manglePattern(names: string[]): RegExp {
  return new RegExp(`^(?:${names.join("|")})$`);
}

/** Problems (empty when none): each name esbuild renamed (its mangle cache) that must stay. */
export function renamedReserved(mangleCache: Record<string, unknown>, plan: ManglePlan): string[] {
  const problems: string[] = [];
  for (const name of Object.keys(mangleCache)) {
    const why = plan.reserved.get(name);
    if (why !== undefined) problems.push(`property '${name}' was renamed but must stay: ${why}`);
  }
  return problems;
}

const REPO = join(DEVICE_DIR, "..");

/**
 * Host code that names the properties of `profile`'s bundle: the scripts the host side writes
 * beside every bundle, and where the entry takes natives, the C hosts (the natives, the fields
 * they read from argument objects and the front end).
 */
export function boundaryHostFiles(profile: DeviceProfileName): string[] {
  const scripts = [
    join(REPO, "device/engines/device-input.ts"),
    join(REPO, "device/engines/run.ts"),
  ];
  if (DEVICE_PROFILES[profile].entry === "js-entry") return scripts;
  const targets = join(REPO, "device/targets");
  const c: string[] = [];
  for (const d of readdirSync(targets, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    for (const f of readdirSync(join(targets, d.name)))
      if (f.endsWith(".c") || f.endsWith(".h")) c.push(join(targets, d.name, f));
  }
  return [...c.sort(), ...scripts];
}

/**
 * The names `profile`'s bundle renames: those its own program declares (its entry and the
 * modules it swaps in), less what the plan reserves.
 */
export function deviceManglePlan(profile: DeviceProfileName): ManglePlan {
  const es5 = join(REPO, "device/targets/es5");
  const p = DEVICE_PROFILES[profile];
  const ts = (js: string) => join(REPO, js.replace(/\.js$/, ".ts"));
  return manglePlan({
    tsconfig: join(es5, "tsconfig.json"),
    roots: [join(es5, `${p.entry}.ts`), ...p.swaps.map(([, to]) => ts(to))],
    hostFiles: boundaryHostFiles(profile),
  });
}
