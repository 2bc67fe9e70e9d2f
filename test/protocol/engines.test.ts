/**
 * Engine parity: the device-side protocol code (codec, topics, ring, DeviceLink, OTA updater)
 * runs the same driver on Node, under Duktape (ES5: esbuild bundle lowered by tsc) and under
 * Lua 5.3 (typescript-to-lua), and every engine must print exactly the same lines.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { build } from "esbuild";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "./portable/driver";

const DRIVER = resolve(__dirname, "portable/driver.ts");
const ROOT = resolve(__dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "earshot-engines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (from: string) =>
  [
    `import { run } from ${JSON.stringify(from)};`,
    "/** @noSelf */ declare function print(s: string): void;",
    "run((l) => print(l));",
    "",
  ].join("\n");

function nodeLines(): string[] {
  const out: string[] = [];
  run((l) => out.push(l));
  return out;
}

const lines = (s: string) => s.split("\n").filter((l) => l.length > 0);

describe("device-side protocol code on every engine", () => {
  const expected = nodeLines();

  it("the driver exercises codec, topics, link and OTA on Node", () => {
    expect(expected.length).toBeGreaterThan(30);
    expect(expected.filter((l) => l.endsWith("DIFFERENT"))).toEqual([]);
    expect(expected).toContain("ota activated activated slot 1");
  });

  it.skipIf(!existsSync("/usr/bin/duk"))("Duktape (ES5) prints the same lines", async () => {
    const bundled = await build({
      stdin: { contents: entry(DRIVER), resolveDir: dir, loader: "ts", sourcefile: "entry.ts" },
      bundle: true,
      format: "iife",
      target: "es2020",
      platform: "neutral",
      write: false,
      logLevel: "error",
    });
    const es5 = ts.transpileModule(bundled.outputFiles[0].text, {
      compilerOptions: {
        target: ts.ScriptTarget.ES5,
        module: ts.ModuleKind.None,
        ignoreDeprecations: "6.0",
      },
      fileName: "bundle.js",
    }).outputText;
    const file = join(dir, "es5.js");
    writeFileSync(file, es5);
    const r = spawnSync("/usr/bin/duk", [file], { encoding: "utf8", timeout: 30_000 });
    expect(r.stderr).toBe("");
    expect(lines(r.stdout)).toEqual(expected);
  });

  it.skipIf(!existsSync("/usr/bin/lua5.3"))(
    "Lua 5.3 (typescript-to-lua) prints the same lines",
    () => {
      const entryFile = join(dir, "entry-lua.ts");
      writeFileSync(entryFile, entry(relative(dir, DRIVER).replace(/\.ts$/, ""))); // tstl wants relative paths
      const config = {
        compilerOptions: {
          target: "ESNext",
          lib: ["ESNext"],
          module: "ESNext",
          moduleResolution: "Bundler",
          strict: true,
          skipLibCheck: true,
          types: [],
          rootDir: "/",
          outDir: join(dir, "lua"),
        },
        files: [entryFile],
        tstl: { luaTarget: "5.3", luaBundle: "bundle.lua", luaBundleEntry: entryFile },
      };
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(config));
      const tstl = spawnSync(
        process.execPath,
        [
          join(ROOT, "node_modules/typescript-to-lua/dist/tstl.js"),
          "-p",
          join(dir, "tsconfig.json"),
        ],
        {
          encoding: "utf8",
          timeout: 120_000,
        },
      );
      // Diagnostics in this area's sources fail the test; others' files are their owners' business
      // (the parity check below still catches a mistranslation that matters here).
      const mine = (tstl.stdout + tstl.stderr)
        .split("\n")
        .filter(
          (l) =>
            /error/.test(l) && /(^|\/)(protocol|device\/(ota|transport)|test\/protocol)\//.test(l),
        );
      expect(mine).toEqual([]);
      const bundle = join(dir, "lua", "bundle.lua");
      expect(existsSync(bundle)).toBe(true);
      const r = spawnSync("/usr/bin/lua5.3", [bundle], {
        encoding: "utf8",
        timeout: 30_000,
        cwd: join(dir, "lua"),
      });
      expect(r.stderr).toBe("");
      expect(lines(r.stdout)).toEqual(expected);
      expect(readFileSync(bundle, "utf8").length).toBeGreaterThan(1000);
    },
  );
});
