/**
 * `npm run build:device`: builds every device target into device/build/ (gitignored) and prints
 * their sizes. Outputs are cached by a hash of their sources: a target rebuilds only when a
 * source it depends on changed (or with --force).
 *
 *   earshot-es5.js     TypeScript lowers to ES5 (target ES5), esbuild bundles and minifies
 *                      (iife, target es5: it must not need to lower anything itself)
 *   earshot-device.js  the same, device profile (tools/bundle-device.ts): without what the host
 *                      already checked (full model validation, the SHA-256 of the file), and
 *                      with the MFCC / LFBE front end only; property names only the bundle
 *                      uses renamed (tools/mangle-names.ts)
 *   earshot-device-tflm.js  the same with TFLite Micro's micro front end only
 *   earshot-device-native.js  earshot-device.js without the JS kernels, for the hosts that bind
 *                      every kernel natively (espruino-native, jerryscript-native, wasm3)
 *   earshot-device-stream.js, earshot-device-native-stream.js  the two above with streaming
 *                      inference (device/runtime/incremental.ts), which the two above leave out:
 *                      the hosts give them to models that can stream (engines/device-bundle.ts)
 *   earshot-device-image.js, earshot-device-image-stream.js  the native ones loading device
 *                      images (shared/model-format/image-write.ts) instead of model files
 *   earshot.lua        typescript-to-lua, Lua 5.3, one bundle, per-target module replacements
 *   kernels.wasm       AssemblyScript kernels, scalar (wasm3 / wasm-interp class)
 *   kernels-simd.wasm  the same with SIMD enabled (Node)
 *   earshot-duk        C host embedding libduktape with the C kernels as native functions
 *                      (espruino-native and jerryscript-native, which embed the same kernels in
 *                      the device engines, are built by deploy/engines.sh)
 */

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { BUILD_DIR, buildOutputs, DEVICE_DIR } from "../engines/paths";
import type { DeviceProfileName } from "./device-profiles";
import { checkEs5Subset, hoistFunctionDeclarations, renameEspruinoKeywords } from "./es5-subset";

const ROOT = join(DEVICE_DIR, "..");
const BIN = join(ROOT, "node_modules", ".bin");

function filesUnder(dir: string, exts: string[], out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "build" && e.name !== "node_modules") filesUnder(p, exts, out);
    } else if (exts.some((x) => e.name.endsWith(x))) out.push(p);
  }
  return out.sort();
}

function hashOf(paths: string[], extra: string): string {
  const h = createHash("sha256");
  h.update(extra);
  for (const p of paths) {
    h.update(relative(ROOT, p));
    h.update(readFileSync(p));
  }
  return h.digest("hex").slice(0, 16);
}

interface Target {
  name: string;
  output: string;
  sources: string[];
  build: () => void;
  /**
   * Targets that share an output beside their own build together: the device bundles write one
   * error-message dictionary (tools/message-codes.ts), which a bundle left from an older build
   * would not match.
   */
  group?: "device-bundles";
}

function run(cmd: string, args: string[], allowFailure?: (output: string) => boolean): string {
  try {
    return execFileSync(cmd, args, {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    const text = `${err.stdout ?? ""}${err.stderr ?? ""}`;
    if (allowFailure?.(text)) return text;
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${text || err.message}`);
  }
}

const portableSources = (): string[] => [
  ...filesUnder(join(ROOT, "shared"), [".ts"]),
  ...filesUnder(join(DEVICE_DIR, "runtime"), [".ts"]),
  ...filesUnder(join(DEVICE_DIR, "app"), [".ts"]),
];

function buildEs5(
  out: string,
  tsconfig = "tsconfig.json",
  tscDir = "es5-tsc",
  entry = "entry",
  deviceProfile: DeviceProfileName | null = null,
): void {
  run(join(BIN, "tsc"), ["-p", `device/targets/es5/${tsconfig}`]);
  const entryJs = join(BUILD_DIR, `${tscDir}/device/targets/es5/${entry}.js`);
  if (deviceProfile !== null) {
    run(join(BIN, "tsx"), [
      join(DEVICE_DIR, "tools/bundle-device.ts"),
      join(BUILD_DIR, tscDir),
      out,
      deviceProfile,
    ]);
  } else {
    run(join(BIN, "esbuild"), [
      entryJs,
      "--bundle",
      "--format=iife",
      "--target=es5",
      "--minify",
      "--log-level=warning",
      `--outfile=${out}`,
    ]);
  }
  // The device subset (shared/portable/SUBSET.md): make hoisting explicit, then fail on any break.
  const js = renameEspruinoKeywords(hoistFunctionDeclarations(readFileSync(out, "utf8")));
  const breaks = checkEs5Subset(js);
  if (breaks.length > 0) {
    rmSync(out, { force: true });
    const list = breaks.slice(0, 20).map((b) => `  ${b.rule}  at ${b.at}`);
    throw new Error(
      `${relative(ROOT, out)} breaks the device ES5 subset (SUBSET.md):\n${list.join("\n")}`,
    );
  }
  writeFileSync(out, js);
}

/** TSTL diagnostics about modules the plugin replaces (e.g. `>>` in int.ts) do not count. */
function onlyReplacedModules(output: string): boolean {
  const errors = output.split("\n").filter((l) => /error/.test(l));
  return errors.length > 0 && errors.every((l) => l.startsWith("shared/portable/int.ts("));
}

function buildLua(tsconfig = "tsconfig.json"): void {
  run(join(BIN, "tstl"), ["-p", `device/targets/lua/${tsconfig}`], onlyReplacedModules);
}

/** C flags: -ffp-contract=off so no fused multiply-add changes a float bit (SUBSET.md); the
 * vectorizer at -O2 turns the int16 dot products into pmaddwd. */
export const C_FLAGS = [
  "-O2",
  "-ftree-vectorize",
  "-fvect-cost-model=dynamic",
  "-ffp-contract=off",
  "-mpopcnt",
  "-Wall",
  "-Wextra",
];

/** The C kernels and front end every C host links (device/targets/c-kernels). */
export const C_KERNELS_DIR = join(DEVICE_DIR, "targets/c-kernels");

function buildDuktapeHost(out: string): void {
  const dir = join(DEVICE_DIR, "targets/duktape-host");
  run("gcc", [
    ...C_FLAGS,
    `-I${C_KERNELS_DIR}`,
    join(dir, "host.c"),
    join(C_KERNELS_DIR, "kernels.c"),
    join(C_KERNELS_DIR, "frontend.c"),
    join(C_KERNELS_DIR, "frontend-tables.c"),
    "-lduktape",
    "-lm",
    "-o",
    out,
  ]);
}

function buildWasm(out: string, simd: boolean): void {
  run(join(BIN, "asc"), [
    "device/targets/wasm/assembly/kernels.ts",
    "-O3",
    "--runtime",
    "stub",
    "--noAssert",
    simd ? "--enable" : "--disable",
    "simd",
    "-o",
    out,
  ]);
}

export function targets(): Target[] {
  const o = buildOutputs();
  const list: Target[] = [
    {
      name: "ES5 bundle (duk)",
      output: o.es5,
      sources: [
        ...portableSources(),
        ...filesUnder(join(DEVICE_DIR, "targets/es5"), [".ts", ".json"]),
        join(DEVICE_DIR, "tools/es5-subset.ts"),
      ],
      build: () => buildEs5(o.es5),
    },
    ...(
      [
        ["ES5 bundle (device)", o.es5Device, "mfcc"],
        ["ES5 bundle (device, tflm)", o.es5DeviceTflm, "tflm-micro"],
        ["ES5 bundle (device, native)", o.es5DeviceNative, "native"],
        ["ES5 bundle (stream)", o.es5DeviceStream, "mfcc-stream"],
        ["ES5 bundle (native, stream)", o.es5DeviceNativeStream, "native-stream"],
        ["ES5 bundle (native, image)", o.es5DeviceImage, "native-image"],
        ["ES5 bundle (image, stream)", o.es5DeviceImageStream, "native-image-stream"],
        [
          "ES5 bundle (image, planned stream)",
          o.es5DeviceImageStreamPlan,
          "native-image-stream-plan",
        ],
      ] as [string, string, DeviceProfileName][]
    ).map(([name, output, frontEnd]) => ({
      name,
      output,
      sources: [
        ...portableSources(),
        ...filesUnder(join(DEVICE_DIR, "targets/es5"), [".ts", ".json"]),
        join(DEVICE_DIR, "tools/es5-subset.ts"),
        join(DEVICE_DIR, "tools/bundle-device.ts"),
        join(DEVICE_DIR, "tools/es5-shrink.ts"),
        join(DEVICE_DIR, "tools/message-codes.ts"),
        join(DEVICE_DIR, "tools/device-profiles.ts"),
        join(DEVICE_DIR, "tools/mangle-names.ts"),
        join(DEVICE_DIR, "tools/bundle-behaviour.ts"),
        // The behaviour check runs the shipped models: a retrained one is checked again.
        join(ROOT, "models/kws12-int8.esm"),
        join(ROOT, "models/kws12-binary.esm"),
        join(ROOT, "models/kws12-int8-stream.esm"),
        // The hosts whose names the bundle keeps (tools/bundle-device.ts boundaryHostFiles).
        ...filesUnder(join(DEVICE_DIR, "targets"), [".c", ".h"]),
        join(DEVICE_DIR, "engines/device-input.ts"),
        join(DEVICE_DIR, "engines/run.ts"),
      ],
      build: () => buildEs5(output, "tsconfig.json", "es5-tsc", "entry", frontEnd),
      group: "device-bundles" as const,
    })),
    {
      name: "Lua 5.3 bundle",
      output: o.lua,
      sources: [
        ...portableSources(),
        ...filesUnder(join(DEVICE_DIR, "targets/lua"), [".ts", ".json", ".lua", ".cjs"]),
      ],
      build: () => buildLua(),
    },
    {
      name: "ES5 kernel runner",
      output: o.es5Kernels,
      sources: [
        ...portableSources(),
        ...filesUnder(join(DEVICE_DIR, "targets/es5"), [".ts", ".json"]),
        join(DEVICE_DIR, "tools/es5-subset.ts"),
      ],
      build: () =>
        buildEs5(o.es5Kernels, "tsconfig.kernels.json", "es5-kernels-tsc", "kernel-entry"),
    },
    {
      name: "Lua kernel runner",
      output: o.luaKernels,
      sources: [
        ...portableSources(),
        ...filesUnder(join(DEVICE_DIR, "targets/lua"), [".ts", ".json", ".lua", ".cjs"]),
      ],
      build: () => buildLua("tsconfig.kernels.json"),
    },
    {
      name: "wasm kernels (scalar)",
      output: o.wasmScalar,
      sources: filesUnder(join(DEVICE_DIR, "targets/wasm/assembly"), [".ts"]),
      build: () => buildWasm(o.wasmScalar, false),
    },
    {
      name: "wasm kernels (SIMD)",
      output: o.wasmSimd,
      sources: filesUnder(join(DEVICE_DIR, "targets/wasm/assembly"), [".ts"]),
      build: () => buildWasm(o.wasmSimd, true),
    },
    {
      name: "Duktape host (C)",
      output: o.duktapeHost,
      sources: [
        ...filesUnder(join(DEVICE_DIR, "targets/duktape-host"), [".c", ".h"]),
        ...filesUnder(C_KERNELS_DIR, [".c", ".h"]),
      ],
      build: () => buildDuktapeHost(o.duktapeHost),
    },
  ];
  return list;
}

const LOCK = join(BUILD_DIR, ".lock");

/** Blocks until this process holds the build lock (test files build in parallel workers). */
function acquireLock(): void {
  const deadline = Date.now() + 300_000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch {
      // A lock older than the deadline was left by a killed build: take it over.
      const held = statSync(LOCK, { throwIfNoEntry: false });
      if (held !== undefined && Date.now() - held.mtimeMs > 300_000) {
        rmSync(LOCK, { recursive: true, force: true });
      }
      if (Date.now() > deadline) throw new Error(`device build: ${LOCK} held for 5 minutes`);
      Atomics.wait(pause, 0, 0, 200);
    }
  }
}

/**
 * Builds (or finds cached) every target, or only those whose name contains `only` (e.g.
 * "wasm" for the kernel test tables, which need no C compiler or Lua).
 */
export function buildDevice(force = false, log: (s: string) => void = () => {}, only = ""): void {
  mkdirSync(BUILD_DIR, { recursive: true });
  acquireLock();
  try {
    buildAll(force, log, only);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function buildAll(force: boolean, log: (s: string) => void, only: string): void {
  const all = targets();
  const named = all.filter((x) => x.name.includes(only));
  const groups = new Set(named.map((x) => x.group).filter((g) => g !== undefined));
  for (const t of all.filter(
    (x) => named.includes(x) || (x.group !== undefined && groups.has(x.group)),
  )) {
    const stamp = `${t.output}.hash`;
    const h = hashOf(t.sources, t.name);
    const fresh = existsSync(t.output) && existsSync(stamp) && readFileSync(stamp, "utf8") === h;
    if (!fresh || force) {
      t.build();
      writeFileSync(stamp, h);
    }
    const size = statSync(t.output).size;
    log(
      `${t.name.padEnd(26)} ${(size / 1024).toFixed(1).padStart(7)} KB  ${relative(ROOT, t.output)}${fresh && !force ? " (cached)" : ""}`,
    );
  }
}

if (process.argv[1]?.endsWith("build.ts")) {
  buildDevice(process.argv.includes("--force"), (s) => process.stdout.write(`${s}\n`));
}
