/**
 * Where deploy/engines.sh put the device's target engines (Espruino, JerryScript, wasm3), built
 * from the pinned sources in ../shared/engines. One place for every caller: the engine runner,
 * tests (which skip loudly when an engine is not built), `earshot doctor` and bench/device.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEVICE_DIR } from "./paths";

export const REPO_DIR = join(DEVICE_DIR, "..");

export type NativeEngine =
  | "espruino"
  | "espruino-budget"
  | "espruino-native"
  | "jerryscript"
  | "jerryscript-native"
  | "wasm3"
  | "wasm3-cli";
export const NATIVE_ENGINES: NativeEngine[] = [
  "espruino",
  "espruino-budget",
  "espruino-native",
  "jerryscript",
  "jerryscript-native",
  "wasm3",
  "wasm3-cli",
];

const BINARY: Record<NativeEngine, string> = {
  espruino: "espruino",
  "espruino-budget": "espruino-budget",
  // Espruino with earshot's C kernels as its `earshot` library (device/targets/espruino).
  "espruino-native": "espruino-native",
  jerryscript: "jerry",
  // The JerryScript embedding host binding the C kernels (device/targets/jerryscript-host).
  "jerryscript-native": "earshot-jerry",
  // The JerryScript host with the kernels as the scalar wasm kernels in wasm3 (targets/wasm3-host).
  wasm3: "earshot-wasm3",
  // wasm3's own command line (the layer probe, engines/wasm-probe.ts).
  "wasm3-cli": "wasm3",
};

/** JerryScript's heap is fixed when it is built (deploy/engines.sh JERRY_HEAP_KB). */
export const JERRY_HEAP_KB = 256;
/** espruino-budget's fixed variable count (deploy/engines.sh ESPRUINO_VARIABLES; Bangle.js 2). */
export const ESPRUINO_BUDGET_VARIABLES = 12000;

/** The cache deploy/engines.sh builds into ($EARSHOT_ENGINE_CACHE, else <repo>/.cache/engines). */
export function engineCacheDir(): string {
  return process.env.EARSHOT_ENGINE_CACHE ?? join(REPO_DIR, ".cache", "engines");
}

/** The built binary of an engine, or null when deploy/engines.sh has not built it. */
export function nativeEnginePath(engine: NativeEngine): string | null {
  const p = join(engineCacheDir(), "bin", BINARY[engine]);
  return existsSync(p) ? p : null;
}

/** The source archive and build flags a cached binary was built from (its .key file). */
export function nativeEngineBuildKey(engine: NativeEngine): string | null {
  const p = join(engineCacheDir(), "bin", `${BINARY[engine]}.key`);
  return existsSync(p) ? readFileSync(p, "utf8").trim() : null;
}

/** The unpacked source tree of an engine in the cache (for hosts that embed it). */
export function nativeEngineSourceDir(engine: NativeEngine): string | null {
  const p = join(engineCacheDir(), "src", engine);
  return existsSync(p) ? p : null;
}

export const BUILD_HINT = "deploy/engines.sh (builds from ../shared/engines/*.tar.gz)";

/** The line a test prints when it skips for a missing engine. */
export function missingEngineNote(engine: NativeEngine): string {
  return `SKIPPED: ${engine} is not built (${join(engineCacheDir(), "bin", BINARY[engine])} missing); run ${BUILD_HINT}`;
}
