import { spawnSync } from "node:child_process";

/** An external program earshot can use, and how a user gets it when it is missing. */
export interface EngineSpec {
  name: string;
  /** What earshot uses it for. */
  role: string;
  /** Command and arguments that succeed when the engine is usable. */
  probe: [string, ...string[]];
  hint: string;
}

export interface EngineReport {
  name: string;
  role: string;
  installed: boolean;
  version?: string;
  hint?: string;
}

export const ENGINES: EngineSpec[] = [
  {
    name: "duk",
    role: "ES5.1 device bundle (Duktape CLI)",
    probe: ["duk", "-e", "print(Duktape.version)"],
    hint: "apt-get install duktape",
  },
  {
    name: "duktape-dev",
    role: "Duktape host with C intrinsics",
    probe: ["sh", "-c", "test -f /usr/include/duktape.h && echo present"],
    hint: "apt-get install duktape-dev",
  },
  {
    name: "lua5.3",
    role: "Lua device bundle",
    probe: ["lua5.3", "-v"],
    hint: "apt-get install lua5.3",
  },
  {
    name: "wasm-interp",
    role: "independent wasm interpreter (wabt)",
    probe: ["wasm-interp", "--version"],
    hint: "apt-get install wabt",
  },
  {
    name: "mosquitto",
    role: "MQTT broker for fleet tests and deployments",
    probe: ["sh", "-c", "command -v mosquitto"],
    hint: "apt-get install mosquitto mosquitto-clients",
  },
  {
    name: "postgresql",
    role: "PostgreSQL server for fleet deployments",
    probe: ["sh", "-c", "command -v pg_ctlcluster || command -v postgres"],
    hint: "apt-get install postgresql",
  },
  {
    name: "chromium",
    role: "browser for dashboard tests",
    probe: ["chromium", "--version"],
    hint: "apt-get install chromium",
  },
  {
    name: "python3-numpy",
    role: "independent feature reference",
    probe: ["python3", "-c", "import numpy; print(numpy.__version__)"],
    hint: "apt-get install python3-numpy",
  },
  {
    name: "python3-torch",
    role: "PyTorch peer in bench/train-step",
    probe: ["python3", "-c", "import torch; print(torch.__version__)"],
    hint: "apt-get install python3-torch",
  },
  {
    name: "valgrind",
    role: "instruction counts in bench/device",
    probe: ["valgrind", "--version"],
    hint: "apt-get install valgrind",
  },
];

export function probeEngine(spec: EngineSpec): EngineReport {
  const [cmd, ...args] = spec.probe;
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 10_000 });
  const ok = r.status === 0;
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n")[0];
  return ok
    ? { name: spec.name, role: spec.role, installed: true, version: out || undefined }
    : { name: spec.name, role: spec.role, installed: false, hint: spec.hint };
}
