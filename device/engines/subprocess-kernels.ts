/**
 * `Kernels` whose every call runs inside another engine (the Duktape host's C natives, or
 * lua5.3 on the TSTL-translated kernels), through the kernel-call text of
 * device/app/kernel-call.ts. One process per call: slow, but it lets the one golden kernel table
 * check every implementation. Host side (tests only).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kernels } from "../../shared/kernels/types";
import { KERNEL_NAMES } from "../runtime/intrinsics";
import { buildOutputs } from "./paths";

function encodeArg(a: unknown): string {
  if (typeof a === "number") return `n ${a}`;
  if (Array.isArray(a) || ArrayBuffer.isView(a)) {
    const arr = Array.from(a as ArrayLike<number>);
    return `a ${arr.length}${arr.map((v) => ` ${v}`).join("")}`;
  }
  const o = a as Record<string, number>;
  return `o${Object.keys(o)
    .map((k) => ` ${k} ${o[k]}`)
    .join("")}`;
}

function engineCommand(engine: "c-duktape" | "lua", callFile: string): [string, string[]] {
  const o = buildOutputs();
  if (engine === "lua") return ["lua5.3", [o.luaKernels, callFile]];
  // The Duktape host reads the call as its "model" file; the samples file is unused.
  return [o.duktapeHost, [o.es5Kernels, callFile, callFile, "0", ""]];
}

/** Kernels that run each call in `engine`. */
export function subprocessKernels(engine: "c-duktape" | "lua"): Kernels {
  const dir = mkdtempSync(join(tmpdir(), `earshot-kcall-${engine}-`));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const call = (op: string, args: unknown[]) => {
    const file = join(dir, "call.txt");
    writeFileSync(file, `${op}\n${args.map(encodeArg).join("\n")}\n`);
    const [cmd, argv] = engineCommand(engine, file);
    const r = spawnSync(cmd, argv, { encoding: "utf8", maxBuffer: 1 << 28 });
    const line = r.stdout.trim().split("\n").pop() ?? "";
    if (r.status !== 0 || !line.startsWith("r ")) {
      throw new Error(`${engine} ${op}: ${r.stderr.trim() || line || `exit ${r.status}`}`);
    }
    const f = line.split(" ");
    const out = args[args.length - 1] as number[];
    const n = Number(f[1]);
    for (let i = 0; i < n; i++) out[i] = Number(f[2 + i]);
  };
  const k: Record<string, unknown> = {};
  for (const name of KERNEL_NAMES) k[name] = (...args: unknown[]) => call(name, args);
  return k as unknown as Kernels;
}
