/**
 * The import graph of the repository's TypeScript sources, read with the TypeScript compiler's
 * own pre-processor and module resolution: static imports, re-exports, and `import("...")` with
 * a literal path (type-only imports count too: a cycle in types is still a cycle in the design).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

export const ROOT = join(import.meta.dirname, "../..");

/** Repository-relative .ts files under `dir` (no declaration files, no build outputs). */
export function sourcesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts"))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
    .filter((f) => !f.includes("/build/") && !f.includes("node_modules"));
}

/** file -> the repository files it imports. */
export function importGraph(files: string[]): Map<string, string[]> {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
  };
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const info = ts.preProcessFile(readFileSync(join(ROOT, f), "utf8"), true, true);
    const deps: string[] = [];
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith(".")) continue;
      const r = ts.resolveModuleName(ref.fileName, join(ROOT, f), options, ts.sys);
      const to = r.resolvedModule?.resolvedFileName;
      if (to && !to.includes("node_modules")) deps.push(relative(ROOT, to));
    }
    graph.set(f, [...new Set(deps)]);
  }
  return graph;
}

/** Strongly connected components with more than one member (Tarjan), i.e. import cycles. */
export function cycles(graph: Map<string, string[]>, within: (f: string) => boolean): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of (graph.get(v) ?? []).filter(within)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (within(v) && !index.has(v)) visit(v);
  return out;
}

/** Folder-level cycles: `depth` path segments name a folder (2: host/train, host/compress...). */
export function folderGraph(graph: Map<string, string[]>, depth: number): Map<string, string[]> {
  const folder = (f: string) => f.split("/").slice(0, depth).join("/");
  const out = new Map<string, string[]>();
  for (const [f, deps] of graph) {
    const a = folder(f);
    const list = out.get(a) ?? [];
    for (const d of deps) if (folder(d) !== a && !list.includes(folder(d))) list.push(folder(d));
    out.set(a, list);
  }
  return out;
}
