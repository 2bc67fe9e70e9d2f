import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { featureDump } from "./engines/dump";

/**
 * The front end's contract: Node, Lua 5.3 (typescript-to-lua) and an ES5 engine (duk) compute
 * the same bits. engines/dump.ts computes MFCC + LFBE (batch) and streamed MFCC of a fixed signal;
 * each engine prints the values with "%.17g", which round-trips a double exactly.
 */
const repo = path.resolve(import.meta.dirname, "../..");
const bin = (name: string) => path.join(repo, "node_modules/.bin", name);
const entry = path.join(import.meta.dirname, "engines/entry.ts");
const has = (exe: string) => spawnSync("sh", ["-c", `command -v ${exe}`]).status === 0;

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function expectSameBits(printed: string, want: number[]): void {
  const got = printed.trim().split("\n").map(Number);
  expect(got.length).toBe(want.length);
  let mismatches = 0;
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) mismatches++;
  expect(mismatches).toBe(0);
}

describe("front end on every engine", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "earshot-fe-engines-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const want = featureDump();

  it("has a workload worth comparing", () => {
    expect(want.length).toBe(2 * 48 * 40 + 48 * 20);
    expect(new Set(want).size).toBeGreaterThan(want.length / 2);
  });

  it.skipIf(!has("lua5.3"))("lua5.3 (typescript-to-lua) equals Node bit for bit", () => {
    const config = {
      compilerOptions: {
        target: "ES2022",
        lib: ["ES2022"],
        module: "ESNext",
        moduleResolution: "Bundler",
        strict: true,
        types: [],
        skipLibCheck: true,
        rootDir: repo,
        outDir: path.join(dir, "lua-out"),
      },
      files: [entry],
      tstl: {
        luaTarget: "5.3",
        luaBundle: path.join(dir, "features.lua"),
        luaBundleEntry: entry,
        noImplicitSelf: false,
      },
    };
    writeFileSync(path.join(dir, "tsconfig.lua.json"), JSON.stringify(config));
    run(bin("tstl"), ["-p", path.join(dir, "tsconfig.lua.json")]);
    expectSameBits(run("lua5.3", [path.join(dir, "features.lua")]), want);
  });

  it.skipIf(!has("duk"))("duk (TypeScript lowered to ES5) equals Node bit for bit", () => {
    const config = {
      compilerOptions: {
        target: "ES5",
        ignoreDeprecations: "6.0",
        lib: ["ES5"],
        module: "ESNext",
        moduleResolution: "Bundler",
        strict: true,
        types: [],
        skipLibCheck: true,
        rootDir: repo,
        outDir: path.join(dir, "es5-out"),
      },
      files: [entry],
    };
    writeFileSync(path.join(dir, "tsconfig.es5.json"), JSON.stringify(config));
    run(bin("tsc"), ["-p", path.join(dir, "tsconfig.es5.json")]);
    const lowered = path.join(dir, "es5-out", path.relative(repo, entry).replace(/\.ts$/, ".js"));
    const bundle = path.join(dir, "features.js");
    run(bin("esbuild"), [
      lowered,
      "--bundle",
      "--format=iife",
      "--target=es5",
      `--outfile=${bundle}`,
    ]);
    const shim = "var string = { format: function (f, v) { return v.toPrecision(17); } };\n";
    const program = path.join(dir, "features-duk.js");
    writeFileSync(program, shim + readFileSync(bundle, "utf8"));
    expectSameBits(run("duk", [program]), want);
  });
});
