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

/** Every op on an engine is served by one implementation. */
const EXPECTED: Record<EngineName, string[]> = {
  node: ["portable-ts"],
  "node-wasm": ["wasm-simd", "wasm-scalar"],
  duk: ["portable-ts"],
  "duktape-host": ["c-duktape"],
  lua: ["portable-lua"],
};

beforeAll(() => buildDevice(), 120_000);

it.each(ENGINES)("%s reports the implementation of every kernel", async (engine) => {
  const bytes = Uint8Array.from(encodeModel(syntheticInt8Model()));
  const r = await runEngine(engine, bytes, testSignal(1, 800));
  expect(r.serving.map((s) => s.op)).toEqual(KERNEL_NAMES);
  const impls = new Set(r.serving.map((s) => s.impl));
  expect(impls.size).toBe(1);
  expect(EXPECTED[engine]).toContain([...impls][0]);
});
