/**
 * The dashboard's scripts: vega and vega-lite's own browser builds, served from node_modules
 * (dependencies of earshot), so the page needs no build step and no network beyond the service.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** Both packages resolve to a file in their build/ folder, beside the browser bundles. */
function build(pkg: string, file: string): string {
  return join(dirname(require.resolve(pkg)), file);
}

export const ASSETS: Record<string, string> = {
  "/assets/vega.min.js": build("vega", "vega.min.js"),
  "/assets/vega-lite.min.js": build("vega-lite", "vega-lite.min.js"),
};

const cache = new Map<string, Buffer>();

/** The asset's bytes, or undefined when `path` is not one. */
export function asset(path: string): Buffer | undefined {
  const file = ASSETS[path];
  if (!file) return undefined;
  let b = cache.get(path);
  if (!b) {
    b = readFileSync(file);
    cache.set(path, b);
  }
  return b;
}
