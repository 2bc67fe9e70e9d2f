/**
 * Which implementation serves each kernel on each engine (STYLE.md habit 2), as the engines
 * themselves report it: the registration is explicit, so this table is the contract.
 */
import { beforeAll, expect, it } from "vitest";
import { ENGINES, type EngineName, runEngine } from "../../device/engines/run";
import { KERNEL_NAMES } from "../../device/runtime/intrinsics";
import { buildDevice } from "../../device/tools/build";
import { syntheticInt8Model } from "../../host/compress/synthetic-models";
import { encodeModel } from "../../shared/model-format/encode";
import { testSignal } from "./golden";

/** Every kernel on an engine is served by one implementation; then the front end's. */
const EXPECTED: Record<EngineName, { kernels: string[]; frontEnd: string }> = {
  node: { kernels: ["portable-ts"], frontEnd: "portable" },
  "node-wasm": { kernels: ["wasm-simd", "wasm-scalar"], frontEnd: "portable" },
  duk: { kernels: ["portable-ts"], frontEnd: "portable" },
  "duktape-host": { kernels: ["c-duktape"], frontEnd: "c-duktape" },
  lua: { kernels: ["portable-lua"], frontEnd: "portable" },
  espruino: { kernels: ["portable-ts"], frontEnd: "portable" },
  "espruino-budget": { kernels: ["portable-ts"], frontEnd: "portable" },
  jerryscript: { kernels: ["portable-ts"], frontEnd: "portable" },
  "espruino-native": { kernels: ["c-espruino"], frontEnd: "c-espruino" },
  "jerryscript-native": { kernels: ["c-jerryscript"], frontEnd: "c-jerryscript" },
  wasm3: { kernels: ["wasm3"], frontEnd: "c-jerryscript" },
};

beforeAll(() => buildDevice(), 600_000);

it.each(ENGINES)("%s reports the implementation of every kernel", async (engine) => {
  const bytes = Uint8Array.from(encodeModel(syntheticInt8Model()));
  const r = await runEngine(engine, bytes, testSignal(1, 800));
  expect(r.serving.map((s) => s.op)).toEqual([...KERNEL_NAMES, "frontEnd"]);
  const kernels = new Set(r.serving.slice(0, KERNEL_NAMES.length).map((s) => s.impl));
  expect(kernels.size).toBe(1);
  expect(EXPECTED[engine].kernels).toContain([...kernels][0]);
  expect(r.serving[KERNEL_NAMES.length].impl).toBe(EXPECTED[engine].frontEnd);
});
