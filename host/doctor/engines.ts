import { spawnSync } from "node:child_process";
import {
  BUILD_HINT,
  type NativeEngine,
  nativeEnginePath,
} from "../../device/engines/native-engines";

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
    // The feature tests try PATH's python3, then Debian's (test/features/numpy.ts): so does this.
    probe: [
      "sh",
      "-c",
      "python3 -c 'import numpy; print(numpy.__version__)' 2>/dev/null || /usr/bin/python3 -c 'import numpy; print(numpy.__version__)'",
    ],
    hint: "apt-get install python3-numpy",
  },
  {
    name: "python3-torch",
    role: "PyTorch peer in bench/train-step",
    // Debian's interpreter, the one the bench runs (a python3 earlier on PATH may lack torch).
    probe: ["/usr/bin/python3", "-c", "import torch; print(torch.__version__)"],
    hint: "apt-get install python3-torch",
  },
  {
    name: "valgrind",
    role: "instruction counts in bench/device",
    probe: ["valgrind", "--version"],
    hint: "apt-get install valgrind",
  },
];

/** A device engine built by deploy/engines.sh into its cache (not a system package). */
function builtEngine(
  engine: NativeEngine,
  role: string,
  args: (bin: string) => [string, ...string[]],
): EngineSpec {
  const bin = nativeEnginePath(engine);
  return {
    name: engine,
    role,
    probe: bin === null ? ["false"] : args(bin),
    hint: BUILD_HINT,
  };
}

ENGINES.push(
  builtEngine("espruino", "Espruino 2v29 (Linux port): ES5 bundle on a device interpreter", (b) => [
    "sh",
    "-c",
    `"${b}" -e 'print(process.version);' </dev/null 2>&1 | grep -m1 -E '^[0-9]+v[0-9]+'`,
  ]),
  builtEngine(
    "espruino-budget",
    "Espruino with a fixed 12,000-variable budget (Bangle.js 2 class)",
    (b) => [
      "sh",
      "-c",
      `cd "\${TMPDIR:-/tmp}" && "${b}" -e 'print(process.memory().total+" variables");' </dev/null 2>&1 | tr -d '\\r' | grep -m1 -E '^[0-9]+ variables$'`,
    ],
  ),
  builtEngine(
    "espruino-native",
    "Espruino with earshot's C kernels as its `earshot` library",
    (b) => [
      "sh",
      "-c",
      `"${b}" -e 'print("earshot library: "+require("earshot").impl);' </dev/null 2>&1 | tr -d '\\r' | grep -m1 -E '^earshot library: c-espruino$'`,
    ],
  ),
  builtEngine("jerryscript", "JerryScript (heap-capped device build)", (b) => [b, "--version"]),
  builtEngine(
    "jerryscript-native",
    "JerryScript embedding host with earshot's C kernels (heap-capped)",
    (b) => [b, "--version"],
  ),
  builtEngine(
    "wasm3",
    "JerryScript host running the wasm kernels in wasm3 (the MCU-class wasm interpreter)",
    (b) => [b, "--version"],
  ),
  builtEngine("wasm3-cli", "wasm3's command line: the wasm kernels layer by layer", (b) => [
    b,
    "--version",
  ]),
);

export function probeEngine(spec: EngineSpec): EngineReport {
  const [cmd, ...args] = spec.probe;
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 10_000 });
  const ok = r.status === 0;
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n")[0];
  return ok
    ? { name: spec.name, role: spec.role, installed: true, version: out || undefined }
    : { name: spec.name, role: spec.role, installed: false, hint: spec.hint };
}
